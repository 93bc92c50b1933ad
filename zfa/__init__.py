"""ZFA and ZRK: transit requests (Durchbeförderung, Directive 2003/110/EC), Dublin deadlines.

Built so far (issue 6, in progress): itineraries with airport-local times (`itinerary`),
transit detection with the directive's deadlines (`transit`), the ZFA workflow (`workflow`),
ZRK medical reception cases (`medical`) and `ltrako zfa check`. Dublin transfer deadlines live
in `ltrako.requests.dublin`, because committing a tour checks them.
"""
