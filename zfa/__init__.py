"""ZFA and ZRK: transit requests (Durchbeförderung, Directive 2003/110/EC), Dublin deadlines.

Built so far (issue 6, in progress): itineraries with airport-local times (`itinerary`),
transit detection with the directive's deadlines (`transit`), Dublin transfer deadlines per
legal basis (`dublin`) and `ltrako zfa check`. Not yet: the ZFA request workflow and queue,
ZRK medical reception cases, their persistence and API.
"""
