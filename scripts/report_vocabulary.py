"""The places and words of :mod:`generate_reports`: the towns along the line of contact and a
few cities elsewhere (from the shipped gazetteer), the line itself, the types of event with the
words sources use for them and the weapons each involves, the sources with their reliability,
the escalations over time and the daily rhythm of fire.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

START, END = datetime(2015, 1, 1, tzinfo=UTC), datetime(2022, 2, 24, tzinfo=UTC)
US_PER_DAY = 86_400_000_000

# (name, lat, lon, geonames id) from the shipped gazetteer; spellings as sources write them.
PLACES = (
    ("Avdiivka", 48.14019, 37.75008, 713122),
    ("Horlivka", 48.29986, 38.01709, 707753),
    ("Debaltseve", 48.33592, 38.40261, 710229),
    ("Shchastia", 48.73784, 39.23047, 694725),
    ("Popasna", 48.63168, 38.37104, 696566),
    ("Marinka", 47.94527, 37.50544, 701845),
    ("Shyrokyne", 47.09839, 37.81795, 694053),
    ("Krasnohorivka", 48.00462, 37.50692, 704393),
    ("Toretsk", 48.39477, 37.84780, 709354),
    ("Svitlodarsk", 48.43374, 38.22331, 692093),
    ("Zolote", 48.69516, 38.51512, 686868),
    ("Stanytsia Luhanska", 48.66247, 39.48358, 692953),
    ("Vuhlehirsk", 48.31488, 38.27179, 690822),
    ("Novoluhanske", 48.42610, 38.17510, 9115363),
    ("Hnutove", 47.21095, 37.75279, 9529748),
    ("Talakivka", 47.18497, 37.72118, 691947),
    ("Opytne", 48.09660, 37.72182, 9113127),
    ("Zaitseve", 48.39478, 38.02945, 687470),
    ("Donetsk", 48.02300, 37.80224, 709717),
    ("Luhansk", 48.56814, 39.30553, 702658),
)
ELSEWHERE = (
    ("Kyiv", 50.45466, 30.52380, 703448),
    ("Kharkiv", 49.98177, 36.25475, 706483),
    ("Odesa", 46.48572, 30.74383, 698740),
    ("Dnipro", 48.46664, 35.04066, 709930),
    ("Mariupol", 47.09514, 37.54131, 701822),
    ("Kramatorsk", 48.73106, 37.56779, 704508),
    ("Slovyansk", 48.84974, 37.59739, 693468),
    ("Lysychansk", 48.91211, 38.42088, 702972),
)
# The line of contact, roughly, south to north-east.
LINE = np.array(
    [[47.10, 37.90], [47.60, 37.65], [48.00, 37.60], [48.14, 37.78], [48.30, 38.05],
     [48.40, 38.30], [48.62, 38.45], [48.70, 38.95], [48.75, 39.25], [48.90, 39.80]]
)  # fmt: skip

# type id, weight, aliases (the source's words), weights over WEAPONS
WEAPONS = (
    "small_arms", "mortar", "artillery_below_100mm", "artillery_100mm_plus", "mlrs",
    "tank", "uav", "unknown", None,
)  # fmt: skip
CALIBRES = {1: (82.0, 120.0), 2: (73.0, 76.0, 85.0), 3: (122.0, 152.0), 4: (122.0,), 5: (125.0,)}
WEAPON_WORDS = {
    0: ("AK-74", "PKM", "AGS-17", "RPG-7", "SPG-9"),
    1: ("82 mm mortar", "120 mm mortar", "2B9 Vasilek"),
    2: ("ZU-23-2", "D-44", "MT-12"),
    3: ("D-30", "2S1 Gvozdika", "2S3 Akatsiya", "2A65 Msta-B"),
    4: ("BM-21 Grad",),
    5: ("T-64", "T-72"),
    6: ("Orlan-10", "quadcopter", "dropped munition"),
    7: (None,),
    8: (None,),
}
TYPES = (
    ("shelling", 34, ("artillery fire", "mortar fire", "shelling", "explosions"),
     (0, 40, 6, 25, 10, 6, 1, 12, 0)),
    ("small_arms_fire", 20, ("small-arms fire", "bursts and shots", "heavy-machine-gun fire"),
     (85, 0, 2, 0, 0, 0, 0, 13, 0)),
    ("armed_clash", 11, ("firefight", "exchange of fire", "armed clash"),
     (55, 20, 3, 5, 0, 5, 0, 12, 0)),
    ("sniper_fire", 5, ("sniper", "sniper attack"), (90, 0, 0, 0, 0, 0, 0, 10, 0)),
    ("explosion", 9, ("explosion", "blast", "undetermined explosion"),
     (0, 5, 0, 5, 0, 0, 0, 90, 0)),
    ("drone_strike", 5, ("drone strike", "drone-dropped munition"),
     (0, 0, 0, 0, 0, 0, 95, 5, 0)),
    ("mine_ied", 4, ("landmine", "IED", "tripwire"), (0, 0, 0, 0, 0, 0, 0, 100, 0)),
    ("violence_against_civilians", 3, ("attack on civilians", "violence against civilians"),
     (40, 10, 0, 10, 0, 0, 0, 40, 0)),
    ("heavy_weapons_presence", 4, ("weapons in violation of withdrawal lines",),
     (0, 10, 5, 45, 20, 20, 0, 0, 0)),
    ("reconnaissance_sabotage", 2, ("sabotage", "reconnaissance-sabotage group", "DRG"),
     (60, 10, 0, 0, 0, 0, 0, 30, 0)),
    ("troop_presence", 2, ("troop sighting", "military presence"), (0, 0, 0, 0, 0, 0, 0, 0, 1)),
    ("freedom_of_movement_restriction", 1, ("access denied", "monitors denied passage"),
     (0, 0, 0, 0, 0, 0, 0, 0, 1)),
)  # fmt: skip
KINDS = ("patrol", "sensor", "partner_intelligence", "media", "official_statement")
# (source id, kind index, reliability, weight, outlet)
SOURCES = (
    *[(f"osce-smm-patrol-{i:02d}", 0, "B", 14 - i, None) for i in range(1, 13)],
    *[(f"osce-smm-camera-{i:02d}", 1, "A", 6, None) for i in range(1, 7)],
    ("osce-smm-uav-long-range", 1, "A", 5, None),
    ("osce-smm-uav-mini", 1, "B", 3, None),
    ("partner-intel-a", 2, "B", 4, None),
    ("partner-intel-b", 2, "C", 3, None),
    ("partner-intel-c", 2, "D", 1, None),
    ("ua-jfo-hq", 4, "C", 9, None),
    ("ua-mod", 4, "C", 4, None),
    ("ua-jccc", 4, "C", 6, None),
    ("cadlr-jccc", 4, "E", 5, None),
    ("cadlr-people-militia", 4, "E", 4, None),
    ("media:ukrinform.ua", 3, "C", 4, "ukrinform.ua"),
    ("media:unian.ua", 3, "C", 4, "unian.ua"),
    ("media:pravda.com.ua", 3, "C", 3, "pravda.com.ua"),
    ("media:interfax.com.ua", 3, "C", 3, "interfax.com.ua"),
    ("media:hromadske.ua", 3, "C", 2, "hromadske.ua"),
    ("media:ostro.org", 3, "D", 2, "ostro.org"),
    ("media:novosti.dn.ua", 3, "D", 2, "novosti.dn.ua"),
    ("media:dan-news.info", 3, "E", 3, "dan-news.info"),
    ("media:lug-info.com", 3, "E", 2, "lug-info.com"),
    ("media:tass.ru", 3, "E", 2, "tass.ru"),
    ("media:ria.ru", 3, "F", 1, "ria.ru"),
)
# (centre as a fraction of the span, width in days, intensity): escalations
BURSTS = (
    (0.01, 18, 6.0), (0.08, 25, 2.5), (0.29, 20, 3.0), (0.38, 30, 2.0), (0.46, 15, 1.5),
    (0.63, 25, 1.6), (0.86, 30, 1.4), (0.99, 10, 9.0),
)  # fmt: skip
# Share of events per hour of the day (UTC): quiet mornings, fire in the evening and night.
HOURLY = np.array(
    [6, 5, 4, 3, 2, 1.5, 1, 1, 1, 1.2, 1.5, 1.8, 2, 2, 2.2, 2.5, 3.5, 5, 7, 8, 8.5, 8, 7.5, 7]
)
TARGETS = ("residential area", "checkpoint", "positions", "water station", "power line",
           "school", "road", "agricultural land")  # fmt: skip
NEAR = ("near", "north of", "south of", "east of", "west of", "on the outskirts of", "in")
