"""Transit requests (Durchbeförderung, Directive 2003/110/EC) and medical reception (ZRK).

Built on ltrako's flights and requests; not yet implemented (issue 6).
"""
