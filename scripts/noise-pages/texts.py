"""Made-up letters and receipts with known text, from a seeded generator.

Every text here is invented by this script (templates and word lists
written for it); nothing is copied from a corpus page.
"""

import random

FIRMS = [
    ("Harrow & Biddle Ltd.", "14 Quarry Lane, Leeds LS2 9JT"),
    ("Northern Freight Company", "Dock Road 7, Hull HU1 2AB"),
    ("Marsh Valley Dairies", "Old Mill Street 3, Taunton TA1 4QP"),
    ("The Westbury Trust", "22 Chapel Row, Bath BA1 1HQ"),
    ("Pemberton Engineering Works", "Canal Side 11, Derby DE1 3LX"),
    ("Albion Insurance Office", "5 Market Square, Norwich NR2 1ND"),
    ("Greenhill Parish Council", "The Old School, Greenhill GL5 6RR"),
    ("Carver Brothers, Printers", "81 Fleet Walk, Bristol BS1 5TE"),
    ("Dunmore Textile Mills", "Riverside Works, Bradford BD3 8PL"),
    ("Ashcombe Estates Office", "Home Farm, Ashcombe EX7 0QJ"),
]
PEOPLE = [
    "Mr. Arthur Penrose", "Mrs. Edith Carlow", "Dr. Samuel Whitby", "Miss Ruth Ancell",
    "Mr. George Tillman", "Mrs. Margaret Hollis", "Mr. Frank Odell", "Mrs. Alice Burrows",
    "Mr. Henry Castell", "Miss Dorothy Fane", "Mr. Walter Keyes", "Mrs. Clara Ingram",
]
STREETS = ["Elm Grove", "Station Road", "Hill Crescent", "Park Terrace", "Mill Lane",
           "Church Walk", "Victoria Street", "Orchard Close", "Bridge End", "High Street"]
TOWNS = [("York", "YO1"), ("Exeter", "EX4"), ("Lincoln", "LN2"), ("Chester", "CH1"),
         ("Durham", "DH1"), ("Ipswich", "IP3"), ("Carlisle", "CA2"), ("Oxford", "OX2")]
MONTHS = ["January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December"]
SUBJECTS = [
    "your order of the {d} {m}", "the account for the quarter ending {m}",
    "the repairs to the roof at {s}", "the lease of the premises in {s}",
    "your application of the {d} {m}", "the delivery of timber to {t}",
    "the meeting of the committee in {m}", "the insurance of the stock at {t}",
]
NOUNS = ["the account", "the contract", "the delivery", "the invoice", "the survey",
         "the committee", "the estimate", "the shipment", "the agreement", "the tenancy",
         "the inspection", "the repairs", "the payment", "the balance", "the schedule"]
VERBS = ["received", "examined", "considered", "forwarded", "approved", "discussed",
         "settled", "reviewed", "recorded", "arranged", "confirmed", "returned"]
ADVS = ["promptly", "carefully", "without delay", "in due course", "at your convenience",
        "as soon as possible", "before the end of the month", "by return of post"]
PLACES = ["the office in {t}", "our works at {t}", "the depot", "the station yard",
          "the branch in {t}", "the warehouse on {s}", "the site at {s}"]
SENTENCES = [
    "We thank you for your letter of the {d} {m} concerning {n}.",
    "{N} has now been {v} by our manager and a copy is enclosed.",
    "We regret that {n} could not be {v} before the {d} {m}.",
    "Please let us know whether the terms are agreeable to you.",
    "The sum of {amt} pounds is due on the {d} {m} and should be paid {a}.",
    "Our representative will call at {p} on the {d} {m} to discuss {n}.",
    "We would be obliged if you could send us {n} {a}.",
    "As agreed, {n} will be {v} at {p} and the goods delivered {a}.",
    "The enclosed statement shows {n} as it stood on the {d} {m}.",
    "Any questions about {n} may be addressed to the undersigned.",
    "We have {v} {n} and find it in order, apart from one small item.",
    "It will not be possible to complete {n} until the {d} {m}.",
    "Mr. {l} of {p} has kindly agreed to act for us in this matter.",
    "We trust that this arrangement will be satisfactory to all concerned.",
    "A further {amt} copies of {n} may be obtained from {p}.",
    "The committee has asked us to inform you that {n} was {v} on the {d} {m}.",
]
CLOSINGS = ["Yours faithfully,", "Yours sincerely,", "Yours truly,"]
TITLES = ["Secretary", "Manager", "Clerk to the Council", "Chief Accountant",
          "Director", "Estate Agent", "Treasurer"]


def _fill(rng: random.Random, template: str) -> str:
    t, _ = rng.choice(TOWNS)
    n = rng.choice(NOUNS)
    return template.format(
        d=rng.randint(1, 28), m=rng.choice(MONTHS), n=n, N=n[0].upper() + n[1:],
        v=rng.choice(VERBS), a=rng.choice(ADVS), s=rng.choice(STREETS), t=t,
        amt=rng.choice(["12", "45", "130", "7", "260", "18", "95"]),
        p=rng.choice(PLACES).format(t=t, s=rng.choice(STREETS)),
        l=rng.choice(PEOPLE).split()[-1],
    )


def letter(rng: random.Random) -> dict:
    """A letter: letterhead, date, address, subject, paragraphs, closing."""
    firm, firm_addr = rng.choice(FIRMS)
    person = rng.choice(PEOPLE)
    town, code = rng.choice(TOWNS)
    year = rng.randint(1931, 1978)
    paragraphs = []
    for _ in range(rng.randint(3, 4)):
        paragraphs.append(" ".join(_fill(rng, rng.choice(SENTENCES))
                                   for _ in range(rng.randint(2, 4))))
    return {
        "kind": "letter",
        "firm": firm,
        "firm_address": firm_addr,
        "date": f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {year}",
        "address": [person, f"{rng.randint(2, 90)} {rng.choice(STREETS)}",
                    f"{town} {code} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                    f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"],
        "subject": "Re: " + _fill(rng, rng.choice(SUBJECTS)),
        "salutation": "Dear " + person.split()[0] + " " + person.split()[-1] + ",",
        "paragraphs": paragraphs,
        "closing": rng.choice(CLOSINGS),
        "signer": rng.choice(PEOPLE).split(" ", 1)[1],
        "title": rng.choice(TITLES),
    }


SHOPS = [
    ("GREEN LEAF GROCERS", "12 Jalan Merah, 50450 Kuala Lumpur"),
    ("KEDAI RUNCIT AMAN", "No 4, Jalan Pasar 3, 41000 Klang"),
    ("BRIGHT HARDWARE SDN BHD", "Lot 22, Jalan Industri 5, 47100 Puchong"),
    ("CORNER BAKERY", "88 Station Road, Reading RG1 1LX"),
    ("MEGA STATIONERY", "3 Jalan Tun Razak, 50400 Kuala Lumpur"),
    ("THE FISH MARKET CAFE", "1 Harbour Walk, Penzance TR18 4AF"),
]
ITEMS = [
    "Milk 1L", "White bread", "Eggs 10 pcs", "Rice 5kg", "Sugar 1kg", "Cooking oil 2L",
    "Tea bags 100", "Coffee 200g", "Butter 250g", "Cheddar 400g", "Apples 1kg",
    "Bananas", "Onions 1kg", "Tomatoes", "Chicken breast", "Soap bar", "Toothpaste",
    "Washing powder", "Paper towels", "Batteries AA 4", "Light bulb 60W", "Screws 4x40",
    "Wood glue", "Paint brush 2in", "Masking tape", "A4 paper 500", "Ball pens 10",
    "Stapler", "Envelopes C5", "Notebook A5", "Fish and chips", "Soup of the day",
    "Pot of tea", "Scone with jam", "Orange juice", "Mineral water", "Curry puff",
    "Nasi lemak", "Teh tarik", "Roti canai",
]


def receipt(rng: random.Random) -> dict:
    """A till receipt: shop, address, items with prices, totals."""
    shop, addr = rng.choice(SHOPS)
    items = []
    for name in rng.sample(ITEMS, rng.randint(5, 10)):
        qty = rng.choice([1, 1, 1, 2, 3])
        unit = rng.randint(50, 2500) / 100
        label = name if qty == 1 else f"{qty} x {name}"
        items.append((label, f"{qty * unit:.2f}"))
    total = sum(float(p) for _, p in items)
    tax = round(total * 0.06, 2)
    paid = ((int(total + tax) // 10) + 1) * 10
    return {
        "kind": "receipt",
        "shop": shop,
        "address": addr,
        "meta": [f"Date: {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/20{rng.randint(10, 19)}"
                 f"  Time: {rng.randint(8, 21):02d}:{rng.randint(0, 59):02d}",
                 f"Receipt No: {rng.randint(10000, 99999)}  Cashier: {rng.randint(1, 12)}"],
        "items": items,
        "totals": [("SUBTOTAL", f"{total:.2f}"), ("TAX 6%", f"{tax:.2f}"),
                   ("TOTAL", f"{total + tax:.2f}"), ("CASH", f"{paid:.2f}"),
                   ("CHANGE", f"{paid - total - tax:.2f}")],
        "footer": rng.choice(["Thank you, please come again", "Goods sold are not returnable",
                              "Thank you for shopping with us"]),
    }
