"""What the demo's people wrote: the nominations of the three demo cycles, the people who made
them, and the judges. Plain data; `demo.py` puts it through the app's own functions.

The organisations are real public bodies, so the demo reads like the programme it stands for,
but every project, person, figure and quotation here is invented. E-mail addresses are at
example.org, and telephone numbers are in Ofcom's ranges reserved for drama, so nothing here
reaches anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The default categories (awards/data/default_taxonomy.json), by name.
PUBLIC_GOOD = "Technology for Public Good"
REIMAGINED = "Reimagined Service of the Year"
RESILIENCE = "Community and Cyber Resilience"
PLACE = "Place Partnership and Collaboration"
SKILLS = "Skills and Capability"
DATA_AI = "Data and AI Innovation"
SUPPLIER = "Supplier and Customer Collaboration"

ALL_SECTIONS = (
    "organisation",
    "project",
    "trends",
    "challenge",
    "approach",
    "outcomes",
    "lessons",
    "documents",
    "declarations",
)


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    email: str
    organisation: str


@dataclass(frozen=True)
class Entry:
    """One nomination as its nominator wrote it, and what happens to it in the demo's story.

    `fate`: "submitted" (and judged, where its cycle gets that far), "draft" (never submitted),
    "withdrawn" (submitted, then withdrawn), "ineligible" (submitted, then screened out with
    `ineligible_reason`). `sections` are the sections a draft has saved; `quality` (1–10) is how
    strong the judges find it."""

    key: str
    nominator: str  # a Person's key, or "nominee" for the demo nominee
    category: str
    organisation: str
    region: str
    phone: str
    title: str
    summary: str = ""
    trends: tuple[tuple[str, str], ...] = ()  # (trend code, how the work addresses it); the first is the main one
    challenge: str = ""
    approach: str = ""
    outcomes: str = ""
    measured: tuple[tuple[str, str, str, str], ...] = ()  # what was measured, baseline, result, when
    unintended: str = ""
    lessons: str = ""
    partners: tuple[tuple[str, bool], ...] = ()  # (name, is a supplier)
    consent: bool = True
    quality: float = 6.5
    fate: str = "submitted"
    sections: tuple[str, ...] = ALL_SECTIONS
    ineligible_reason: str = ""
    disputed: bool = False  # one of its judges sees it very differently from the others


# The answers to the judging cycle's own section for its Skills and Capability category (see
# demo.custom_questions): the organiser added it to show the form builder.
SKILLS_PROGRAMME = {
    "wrexham-apprentices": {
        "people_trained": "24",
        "programme_length": "More than a year",
        "accredited": True,
        "qualification": "Level 4 Software Developer apprenticeship",
    },
    "surrey-data-literacy": {
        "people_trained": "1150",
        "programme_length": "Less than 3 months",
        "accredited": False,
    },
}


@dataclass(frozen=True)
class JudgeProfile:
    key: str
    expertise: dict[str, int] = field(default_factory=dict)  # trend code → −2..+2
    leniency: float = 0.0  # added to every score this judge gives


# --- People ----------------------------------------------------------------------------------------

PEOPLE = (
    # Last year's nominators
    Person("rhian", "Rhian Pritchard", "rhian.pritchard@conwy.example.org", "Conwy County Borough Council"),
    Person("elin", "Elin Wyn Jones", "elin.jones@gwynedd.example.org", "Cyngor Gwynedd"),
    Person(
        "daniel",
        "Daniel Okoro",
        "daniel.okoro@manchesterfire.example.org",
        "Greater Manchester Fire and Rescue Service",
    ),
    Person("sarah", "Dr Sarah Whitaker", "sarah.whitaker@leedsth.example.org", "Leeds Teaching Hospitals NHS Trust"),
    Person("amina", "Amina Hassan", "amina.hassan@camden.example.org", "London Borough of Camden"),
    Person("mark", "Mark Ellison", "mark.ellison@hants.example.org", "Hampshire County Council"),
    Person("cerys", "Cerys Morgan", "cerys.morgan@cardiff.example.org", "Cardiff Council"),
    Person(
        "dafydd",
        "Dafydd ap Gwilym Evans",
        "dafydd.evans@southwales-fire.example.org",
        "South Wales Fire and Rescue Service",
    ),
    Person("claire", "Claire Robson", "claire.robson@northumberland.example.org", "Northumberland County Council"),
    Person("kirsty", "Kirsty McAllister", "kirsty.mcallister@ggc.example.org", "NHS Greater Glasgow and Clyde"),
    Person("ciaran", "Ciarán Ó Murchú", "ciaran.omurchu@belfastcity.example.org", "Belfast City Council"),
    Person("priyanka", "Priyanka Shah", "priyanka.shah@kent.example.org", "Kent County Council"),
    Person("tom", "Tom Brennan", "tom.brennan@mft.example.org", "Manchester University NHS Foundation Trust"),
    Person("grace", "Grace Adeyemi", "grace.adeyemi@bristol.example.org", "Bristol City Council"),
    Person("iwan", "Iwan Lloyd", "iwan.lloyd@powys.example.org", "Powys County Council"),
    Person("helen", "DCI Helen Marsh", "helen.marsh@essex-police.example.org", "Essex Police"),
    Person("joe", "Joe Hartley", "joe.hartley@sheffield.example.org", "Sheffield City Council"),
    Person("fatima", "Fatima Noor", "fatima.noor@buckinghamshire.example.org", "Buckinghamshire Council"),
    Person("oliver", "Oliver Pike", "oliver.pike@wiltshire.example.org", "Wiltshire Council"),
    # This year's nominators (the cycle in judging)
    Person("gwenllian", "Gwenllian Hughes", "gwenllian.hughes@anglesey.example.org", "Isle of Anglesey County Council"),
    Person("owain", "Owain Davies", "owain.davies@rctcbc.example.org", "Rhondda Cynon Taf County Borough Council"),
    Person("lowri", "Lowri Roberts", "lowri.roberts@wrexham.example.org", "Wrexham County Borough Council"),
    Person("huw", "Dr Huw Morgan", "huw.morgan@sbuhb.example.org", "Swansea Bay University Health Board"),
    Person("chloe", "Chloe Barker", "chloe.barker@brighton-hove.example.org", "Brighton & Hove City Council"),
    Person("gurpreet", "Gurpreet Sandhu", "gurpreet.sandhu@wmfs.example.org", "West Midlands Fire Service"),
    Person("rachel", "Rachel Osei", "rachel.osei@leics.example.org", "Leicestershire County Council"),
    Person("iain", "Iain Graham", "iain.graham@cumberland.example.org", "Cumberland Council"),
    Person("hannah", "Hannah Reeve", "hannah.reeve@norfolk.example.org", "Norfolk County Council"),
    Person("fiona", "Fiona MacLeod", "fiona.macleod@lothian.example.org", "NHS Lothian"),
    Person("james", "James Whitmore", "james.whitmore@surreycc.example.org", "Surrey County Council"),
    Person("ben", "Ben Ashworth", "ben.ashworth@lancsfirerescue.example.org", "Lancashire Fire and Rescue Service"),
    Person("sian", "Siân Price", "sian.price@newport.example.org", "Newport City Council"),
    Person("rahima", "Rahima Begum", "rahima.begum@towerhamlets.example.org", "London Borough of Tower Hamlets"),
    Person("paul", "Paul Turner", "paul.turner@fenland.example.org", "Fenland District Council"),
    # The open cycle's nominators
    Person("meinir", "Meinir Williams", "meinir.williams@conwy.example.org", "Conwy County Borough Council"),
    Person("aled", "Aled Jenkins", "aled.jenkins@ceredigion.example.org", "Cyngor Sir Ceredigion"),
    Person("marcus", "Marcus Bell", "marcus.bell@nottinghamcity.example.org", "Nottingham City Council"),
    Person("bethan", "Bethan Rees", "bethan.rees@mawwfire.example.org", "Mid and West Wales Fire and Rescue Service"),
    Person("lucy", "Dr Lucy Chen", "lucy.chen@ouh.example.org", "Oxford University Hospitals NHS Foundation Trust"),
    Person("euan", "Euan Fraser", "euan.fraser@dumgal.example.org", "Dumfries and Galloway Council"),
    # Judges (besides the demo judge)
    Person("priya", "Priya Raman", "priya.raman@nhs-england.example.org", "NHS England"),
    Person("gareth", "Gareth Llewellyn", "gareth.llewellyn@wlga.example.org", "Welsh Local Government Association"),
    Person(
        "siobhan", "Siobhan O'Neill", "siobhan.oneill@gov-scot.example.org", "Scottish Government Digital Directorate"
    ),
    Person("tomasz", "Tomasz Nowak", "tomasz.nowak@jisc.example.org", "Jisc"),
    Person("amara", "Amara Mensah", "amara.mensah@gds.example.org", "Government Digital Service"),
)

# Invited to judge this year's cycle, not yet answered (no account).
PENDING_JUDGE_EMAIL = "eleri.thomas@cdps.example.org"

JUDGES = (
    JudgeProfile("judge", {"T1": 2, "T2": 2, "D2": 1, "D1": 1, "D4": 0}, 0.0),
    JudgeProfile("priya", {"T1": 1, "T2": 2, "D2": 2, "D1": 1, "T5": 1}, -1.2),
    JudgeProfile("gareth", {"D4": 2, "D5": 2, "D2": 1, "D3": 1}, 0.3),
    JudgeProfile("siobhan", {"T3": 2, "T5": 2, "D3": 1, "T4": 1}, 1.0),
    JudgeProfile("tomasz", {"D5": 2, "T5": 1, "T3": 1, "D1": 1}, -0.4),
    JudgeProfile("amara", {"D2": 2, "D1": 2, "T1": 1, "T4": 1}, 0.5),
)
LAST_YEAR_JUDGES = ("judge", "priya", "gareth", "siobhan", "tomasz")
THIS_YEAR_JUDGES = ("judge", "priya", "gareth", "siobhan", "tomasz", "amara")

DECLARED_CONFLICT_REASON = (
    "I advised this team on their service assessment last year, so I should not judge their entry."
)
INELIGIBLE_REASON = (
    "The programme started in September, after the cut-off for this year’s awards. Please "
    "enter it next year, when it will have results to show."
)
EXTRA_SHORTLIST_RATIONALE = (
    "The panel asked for this entry to be shortlisted: its digital inclusion work is "
    "simple, cheap and could be copied by any library service."
)


# --- Last year's cycle: published ----------------------------------------------------------------

LAST_YEAR = (
    Entry(
        "conwy-blue-badge",
        "rhian",
        REIMAGINED,
        "Conwy County Borough Council",
        "Wales",
        "01632 960 114",
        "Blue Badge applications in one visit",
        summary=(
            "Residents apply for a Blue Badge online or with a library assistant in one visit, in Welsh or "
            "English, and most now get a decision within a week instead of five."
        ),
        trends=(
            (
                "D2",
                "We redesigned the service around the applicant rather than the council’s forms: the "
                "library service, occupational therapists and the contact centre now work as one team.",
            ),
            (
                "T2",
                "Evidence the council already holds is checked automatically, with the applicant’s "
                "consent, so most people no longer post copies of documents.",
            ),
        ),
        challenge=(
            "Applying for a Blue Badge took three forms, a photograph posted separately and, for many, a "
            "trip to an assessment centre in Colwyn Bay. Decisions took 34 days on average. Older "
            "residents in rural areas told us the process itself was the barrier, and some gave up. Staff "
            "typed every application into two systems."
        ),
        approach=(
            "A small team of a designer, a developer, a Blue Badge officer and an occupational therapist "
            "ran eight rounds of research with applicants and carers. We built one bilingual online form, "
            "trained library staff in eight branches to help people apply, and used our case management "
            "platform to check evidence automatically. Paper applications follow the same process once "
            "scanned."
        ),
        outcomes=(
            "Most applicants now get a decision within a week, and nobody travels to an assessment unless "
            "an occupational therapist needs to see them. Staff time per application fell by more than "
            "half, which cleared the backlog of renewals."
        ),
        measured=(
            ("Average days from application to decision", "34 days", "6 days", "March 2025"),
            ("Applications made online or with library help", "41%", "78%", "March 2025"),
            ("Applications made in Welsh", "3%", "11%", "March 2025"),
        ),
        unintended=(
            "Applications rose by a fifth once applying was easier, mostly from people who had been "
            "eligible all along. Some people struggled to upload a photo from an older phone, so "
            "libraries now take the photograph."
        ),
        lessons=(
            "Put the service, not the form, at the centre, and bring in the people who run the counter "
            "from the first day. Our form pattern and research are shared with other Welsh councils."
        ),
        partners=(("Age Cymru", False), ("Adeg Digital Ltd", True)),
        quality=8.2,
    ),
    Entry(
        "gwynedd-skills",
        "elin",
        SKILLS,
        "Cyngor Gwynedd",
        "Wales",
        "01632 960 127",
        "Sgiliau Digidol: bilingual digital skills for care staff",
        summary=(
            "A bilingual programme gave 640 home care and care home staff the confidence to use digital "
            "care records, video calls and telecare, taught by their own colleagues."
        ),
        trends=(
            (
                "D5",
                "Care workers trained as digital champions teach their own teams in Welsh or English, so "
                "the skills stay in the service after the project.",
            ),
            (
                "D2",
                "Care records are now updated at the visit, so families and district nurses see the same "
                "up-to-date information.",
            ),
        ),
        challenge=(
            "The move to digital care records had stalled. Many experienced carers, often first-language "
            "Welsh speakers, had little confidence with tablets, and the supplier’s training was online "
            "and in English only. Records were still written on paper and typed up days later."
        ),
        approach=(
            "We recruited 42 digital champions from among care staff, gave them paid time and a short "
            "course, and wrote bilingual guides and two-minute videos with them. Sessions ran in care "
            "homes and depots at shift changes rather than in offices. We measured confidence before and "
            "after with a short questionnaire."
        ),
        outcomes=(
            "Care records are now updated during nine visits in ten, and staff confidence with digital "
            "tools has risen sharply. The champions have become a network that supports each new system "
            "we introduce."
        ),
        measured=(
            ("Staff who completed the programme", "0", "640", "January 2025"),
            ("Visits recorded on the day", "22%", "91%", "January 2025"),
            ("Staff confident using digital tools", "38%", "84%", "January 2025"),
        ),
        unintended=(
            "Champions were pulled back into rotas when staff were short, and sessions were cancelled; "
            "their time is now protected in the rota. Some staff felt watched by digital records, which "
            "we discussed openly with the unions."
        ),
        lessons=(
            "Teach in the language people think in. Pay champions for their time, and train at shift "
            "changes, where people already are."
        ),
        partners=(("Grŵp Llandrillo Menai", False), ("Social Care Wales", False)),
        quality=7.6,
    ),
    Entry(
        "banes-gullies",
        "nominee",
        DATA_AI,
        "Bath & North East Somerset Council",
        "South West",
        "01632 960 133",
        "Predicting blocked gullies before the rain",
        summary=(
            "Sensors in 300 road gullies and a model trained on ten years of flooding reports tell crews "
            "which drains to clear before heavy rain, so fewer homes and roads flood."
        ),
        trends=(
            (
                "T2",
                "Ten years of flooding reports, cleansing records and rainfall data were cleaned and "
                "joined for the first time, and now set the crews’ daily schedule.",
            ),
            (
                "T4",
                "Every gully is mapped, so crews see the riskiest ones along their route and residents "
                "can see planned work near them.",
            ),
            ("D3", "Clearing the right drains before storms protects homes and keeps the roads to the hospital open."),
        ),
        challenge=(
            "Crews cleared all 28,000 gullies on a fixed cycle, whether they needed it or not, while the "
            "ones that caused flooding were often blocked again within weeks. Flooding reports rose every "
            "winter, and each one meant a call-out, often at night."
        ),
        approach=(
            "We fitted low-cost level sensors to 300 gullies with a history of flooding, joined their "
            "readings with cleansing records and Met Office forecasts, and trained a simple model to rank "
            "gullies by their risk of blocking before forecast rain. Crews helped design the schedule, "
            "and we ran the old and new schedules side by side for a winter before switching."
        ),
        outcomes=(
            "Crews now spend their time on the drains that matter. Flooding call-outs during storms fell "
            "by more than a third in the first winter, and crews stopped visiting thousands of gullies "
            "that were always clear."
        ),
        measured=(
            ("Flooding call-outs during named storms", "212", "131", "Winter 2024 to 2025"),
            ("Gullies visited that needed no clearing", "46%", "18%", "Winter 2024 to 2025"),
            ("Night-time emergency call-outs", "87", "52", "Winter 2024 to 2025"),
        ),
        unintended=(
            "Some residents saw fewer crews on their street and thought the service had been cut, so we "
            "now publish the schedule and explain why. Two sensors were stolen; they are now fitted "
            "inside the gully frame."
        ),
        lessons=(
            "Start with the data you already hold: the sensors helped, but most of the gain came from "
            "joining old records. Run the new way beside the old one before you trust it."
        ),
        partners=(("University of Bath", False), ("Wessex Water", False), ("Drainwise Analytics Ltd", True)),
        quality=8.6,
    ),
    Entry(
        "gmfrs-visits",
        "daniel",
        RESILIENCE,
        "Greater Manchester Fire and Rescue Service",
        "North West",
        "0161 496 0142",
        "Safe and well visits where the risk is highest",
        summary=(
            "Data shared by councils and the NHS now sends safe and well visits to the homes most at risk "
            "of fire, and accidental fires in homes fell in the first year."
        ),
        trends=(
            (
                "D3",
                "Visits now reach older people living alone, people who smoke and use oxygen at home, "
                "and others whose risk the service could not see before.",
            ),
            (
                "T2",
                "Data sharing agreements with ten councils and the NHS feed a risk score for each "
                "address, refreshed every month.",
            ),
        ),
        challenge=(
            "Most safe and well visits went to people who asked for one, and they were rarely the people "
            "most at risk. Most of those who died in accidental fires at home were unknown to the service "
            "beforehand."
        ),
        approach=(
            "We agreed data sharing with the ten councils and the integrated care board, built a risk "
            "model with our fire investigators and tested it against past fatal fires before using it. "
            "Crews and community advocates helped design the visit lists, and a residents’ group reviews "
            "how the data is used."
        ),
        outcomes=(
            "Visits now go to the homes where a fire is most likely and most dangerous, and fewer people "
            "were hurt in accidental fires at home."
        ),
        measured=(
            ("Visits to the highest-risk homes", "38%", "71%", "December 2024"),
            ("Accidental fires in homes", "1,364", "1,201", "2024 compared with 2023"),
            ("Injuries in accidental fires in homes", "142", "118", "2024 compared with 2023"),
        ),
        unintended=(
            "Some residents were surprised that the service knew they lived alone. The letter now says "
            "where the referral came from and how to opt out."
        ),
        lessons=(
            "Test the model against real incidents before you use it, and publish how the data is used. "
            "Crews’ knowledge improved the model more than extra data did."
        ),
        partners=(("Greater Manchester Combined Authority", False), ("NHS Greater Manchester", False)),
        quality=8.0,
    ),
    Entry(
        "leeds-xray",
        "sarah",
        DATA_AI,
        "Leeds Teaching Hospitals NHS Trust",
        "Yorkshire and the Humber",
        "0113 496 0178",
        "AI-assisted triage of chest X-rays",
        summary=(
            "An AI tool flags chest X-rays likely to show cancer so that radiologists report them first, "
            "cutting the wait for urgent results from days to hours."
        ),
        trends=(
            (
                "T1",
                "The AI does not diagnose: it reorders the radiologists’ worklist, and every image is "
                "still reported by a person.",
            ),
            (
                "D1",
                "A clinical safety case, an equality analysis and a patient panel shaped how the tool is "
                "used and monitored.",
            ),
        ),
        challenge=(
            "A shortage of radiologists meant chest X-rays referred by GPs waited up to eleven days to be "
            "reported, including some that showed lung cancer. Reporting everything faster was not "
            "possible with the staff we had."
        ),
        approach=(
            "We bought a regulated AI product through a national framework, ran it silently for three "
            "months to compare its flags with radiologists’ reports, and only then used it to order the "
            "worklist. A monthly review checks how it performs across age, sex and ethnicity."
        ),
        outcomes=(
            "X-rays that need urgent attention are now reported on the day they are taken, and patients "
            "with suspected cancer reach a CT scan sooner."
        ),
        measured=(
            ("Time to report flagged chest X-rays", "11 days", "Same day", "February 2025"),
            ("Days from X-ray to CT scan for suspected lung cancer", "19 days", "8 days", "February 2025"),
        ),
        unintended=(
            "At first, unflagged X-rays waited slightly longer; we added reporting sessions so that the "
            "routine wait did not grow."
        ),
        lessons=(
            "Run AI silently first and measure it on your own patients: performance reported elsewhere "
            "does not transfer automatically."
        ),
        partners=(("Yorkshire Imaging Collaborative", False), ("Medica Vision Ltd", True)),
        quality=8.4,
    ),
    Entry(
        "camden-data-charter",
        "amina",
        PUBLIC_GOOD,
        "London Borough of Camden",
        "London",
        "020 7946 0163",
        "A data charter written with residents",
        summary=(
            "A citizens’ panel wrote the rules for how the council uses residents’ data, and every new data "
            "project is now checked against them in public."
        ),
        trends=(
            (
                "D1",
                "Residents set the principles, and a panel with resident members reviews new uses of data "
                "before they start.",
            ),
            (
                "T2",
                "A public register lists every data project, its purpose, the data it uses and the panel’s decision.",
            ),
        ),
        challenge=(
            "Residents told us they did not know how the council used their data, and did not trust it to "
            "use it well. Projects that could help people, such as finding households eligible for "
            "support, stalled because of that distrust."
        ),
        approach=(
            "We recruited a representative panel of 40 residents, who met over six weekends with experts "
            "and council staff and wrote a data charter. We built a simple public register and a review "
            "process that decides most projects within two weeks."
        ),
        outcomes=(
            "Data projects now go ahead with public support, and residents can see what is done with their "
            "data. Fourteen projects have been reviewed: two were changed and one was stopped."
        ),
        measured=(
            ("Residents who trust the council to use data well", "35%", "52%", "Residents’ survey 2024"),
            ("Data projects reviewed in public", "0", "14", "December 2024"),
        ),
        unintended=(
            "Reviews slowed some urgent projects at first, so urgent ones now get a decision within five working days."
        ),
        lessons=(
            "Give the panel real power and publish its decisions: a charter without a review process is only words."
        ),
        partners=(("Open Civic Panels CIC", False),),
        quality=7.3,
    ),
    Entry(
        "hampshire-video",
        "mark",
        REIMAGINED,
        "Hampshire County Council",
        "South East",
        "01632 960 151",
        "Care assessments at home, by video when people choose",
        summary=(
            "People waiting for an adult social care assessment can choose a video assessment with family "
            "present, which halved waits without losing home visits for those who need them."
        ),
        trends=(
            ("D2", "People choose how they are assessed, and family members who live far away can join."),
            ("T5", "Assessments run on the council’s existing video platform, with no app to install."),
        ),
        challenge=(
            "Waits for a social care assessment had grown to eleven weeks, and social workers spent a "
            "third of their day driving between homes in a large rural county."
        ),
        approach=(
            "We offered video assessments to people on the waiting list, with a phone call first to check "
            "it suited them, and kept home visits for anyone who preferred one or needed one. Social "
            "workers designed the guidance."
        ),
        outcomes=(
            "Waits halved, and social workers complete more assessments each week. Families say joining "
            "from a distance helped them support their relative."
        ),
        measured=(
            ("Average wait for an assessment", "11 weeks", "5 weeks", "November 2024"),
            ("Assessments each social worker completes weekly", "4.1", "6.3", "November 2024"),
        ),
        unintended=(
            "Some assessments missed things a home visit would have shown, such as trip hazards, so a "
            "short follow-up visit is offered after every video assessment."
        ),
        lessons=(
            "Offer a choice rather than a new default, and let practitioners write the rules for when "
            "video is not right."
        ),
        quality=6.4,
    ),
    Entry(
        "cardiff-planning-map",
        "cerys",
        PLACE,
        "Cardiff Council",
        "Wales",
        "029 2018 0124",
        "One map of planned development for the capital region",
        summary=(
            "Ten councils now publish planned housing, transport and school places on one shared map, so "
            "planners and health boards plan services for the same future."
        ),
        trends=(
            (
                "D4",
                "Ten councils, two health boards and the transport authority agreed one set of data "
                "standards and share the map’s running costs.",
            ),
            (
                "T4",
                "Planning data from each council is converted to one format and shown on a shared map, "
                "updated every week.",
            ),
        ),
        challenge=(
            "Each council planned housing on its own, so health boards and transport planners could not "
            "see where growth across the region would put pressure on GP surgeries, schools and roads."
        ),
        approach=(
            "We agreed a data standard for planning allocations with the ten councils, built converters for "
            "the four planning systems in use, and published the result as open data with a simple map."
        ),
        outcomes=(
            "Health boards now use the map to plan GP capacity, and councils have spotted two places where "
            "developments on either side of a boundary needed one school, not two."
        ),
        measured=(
            ("Councils publishing planning data to the standard", "0", "10", "March 2025"),
            ("Weekly users of the shared map", "0", "1,150", "March 2025"),
        ),
        unintended=(
            "Publishing draft allocations caused concern in some communities before consultation began, "
            "so drafts are now labelled clearly and explained."
        ),
        lessons=("Agree the data standard before building anything, and share the costs so no council owns it alone."),
        partners=(
            ("Vale of Glamorgan Council", False),
            ("Transport for Wales", False),
            ("Cardiff and Vale University Health Board", False),
        ),
        quality=7.0,
    ),
    Entry(
        "swfrs-wildfire",
        "dafydd",
        RESILIENCE,
        "South Wales Fire and Rescue Service",
        "Wales",
        "029 2018 0177",
        "A wildfire risk map for the valleys",
        summary=(
            "A daily map of wildfire risk, built from weather, vegetation and past fires, tells crews where "
            "to patrol and where to put equipment before a fire starts."
        ),
        trends=(
            (
                "T4",
                "Satellite vegetation data, weather forecasts and twenty years of incident locations are "
                "combined into a daily risk map.",
            ),
            (
                "D3",
                "Patrols and community wardens go where the risk is highest, and schools near high-risk "
                "hillsides get visits in spring.",
            ),
        ),
        challenge=(
            "Grass and mountain fires in the valleys take crews away from homes for days each spring. Many "
            "are started deliberately, near the same estates, year after year."
        ),
        approach=(
            "We worked with Natural Resources Wales to combine their vegetation data with our incident "
            "records and Met Office forecasts, and built a risk map crews check each morning."
        ),
        outcomes=(
            "Deliberate grass fires fell in the first spring, and crews reach the fires that do start "
            "faster because equipment is already nearby."
        ),
        measured=(
            ("Deliberate grass fires, March to May", "1,020", "760", "Spring 2024 compared with 2023"),
            ("Average time to reach a mountain fire", "38 minutes", "27 minutes", "Spring 2024"),
        ),
        unintended=(
            "Publishing the map risked showing people where fires would spread, so the public version "
            "shows only general warnings."
        ),
        lessons=("Work with the people who hold the land data, and keep the detailed map for crews."),
        partners=(("Natural Resources Wales", False),),
        quality=7.3,
    ),
    Entry(
        "northumberland-soc",
        "claire",
        RESILIENCE,
        "Northumberland County Council",
        "North East",
        "0191 498 0135",
        "A shared security operations centre for four councils",
        summary=(
            "Four councils share one security operations centre and one set of response playbooks, so each "
            "gets round-the-clock monitoring that none could afford alone."
        ),
        trends=(
            (
                "T3",
                "Threats are monitored around the clock, and an attack on one council alerts the other "
                "three within minutes.",
            ),
            ("D4", "The councils share staff, costs and rehearsed plans, governed by a joint board."),
        ),
        challenge=(
            "Each council had one or two security staff and no cover at night or at weekends, while "
            "ransomware attacks on councils elsewhere had shut services for months."
        ),
        approach=(
            "We pooled budgets to fund a shared team of eight, agreed common logging, and rehearsed four "
            "attack scenarios together with the councils’ leaders."
        ),
        outcomes=(
            "Incidents are now found and contained in hours, not days, and the councils met the cyber "
            "assessment framework’s baseline for the first time."
        ),
        measured=(
            ("Time to contain a confirmed incident", "3 days", "4 hours", "January 2025"),
            ("Councils meeting the cyber assessment framework baseline", "0", "4", "January 2025"),
        ),
        unintended=("Sharing logs raised questions about data protection, settled with a joint agreement."),
        lessons=("Rehearse with the people who would make decisions in an attack, not only the technical team."),
        partners=(("Durham County Council", False), ("Gateshead Council", False), ("North Tyneside Council", False)),
        quality=7.9,
    ),
    Entry(
        "ggc-data-apprentices",
        "kirsty",
        SKILLS,
        "NHS Greater Glasgow and Clyde",
        "Scotland",
        "0141 496 0119",
        "Data apprenticeships for clinical staff",
        summary=(
            "Nurses, allied health professionals and administrators learn data analysis on the job, and "
            "their projects answer questions their own wards have asked for years."
        ),
        trends=(
            (
                "D5",
                "Staff keep their clinical roles while they train, so the skills stay where the questions are asked.",
            ),
            ("T2", "Each apprentice works on a real ward dataset, with support from the board’s analysts."),
        ),
        challenge=(
            "Wards waited months for analysts to answer simple questions about their own patients, and "
            "staff who wanted to learn data skills had no route that kept their clinical role."
        ),
        approach=(
            "We built a two-year apprenticeship with a local college, with one day a week for learning and "
            "a real project on the apprentice’s own ward."
        ),
        outcomes=(
            "Forty-two staff are training, twenty projects have changed how wards work, and waits for "
            "simple analysis have fallen sharply."
        ),
        measured=(
            ("Staff in data apprenticeships", "0", "42", "February 2025"),
            ("Wait for simple analysis requests", "14 weeks", "3 weeks", "February 2025"),
        ),
        unintended=("Some wards struggled to release staff for a day each week; backfill is now funded."),
        lessons=("Grow skills where the questions are, and protect the learning time."),
        partners=(("City of Glasgow College", False),),
        quality=7.4,
    ),
    Entry(
        "belfast-air-sensors",
        "ciaran",
        PUBLIC_GOOD,
        "Belfast City Council",
        "Northern Ireland",
        "028 9649 6127",
        "Clean air sensors outside every primary school",
        summary=(
            "Air quality sensors outside 86 primary schools publish readings live, and schools use them to "
            "plan walking routes and car-free streets at drop-off time."
        ),
        trends=(
            ("D1", "The data is open, and children use it in lessons to understand the air they breathe."),
            ("T4", "Readings are mapped street by street, so families can choose cleaner routes to school."),
        ),
        challenge=(
            "Pollution outside schools peaked at drop-off, but the city had only six monitoring stations "
            "and no school knew what its own children were breathing."
        ),
        approach=(
            "We installed low-cost sensors, calibrated them against the city’s reference stations, and "
            "published the data openly with lesson plans written with teachers."
        ),
        outcomes=(
            "Twenty schools now have car-free streets at drop-off, and nitrogen dioxide outside those "
            "schools has fallen."
        ),
        measured=(
            ("Schools with live air quality data", "0", "86", "June 2025"),
            ("Nitrogen dioxide at drop-off outside car-free schools", "41 µg/m³", "29 µg/m³", "June 2025"),
        ),
        unintended=(
            "Some parents were alarmed by the readings; each school now gets a short guide to what the numbers mean."
        ),
        lessons=("Open data is most useful when it comes with help to understand it."),
        partners=(("Queen’s University Belfast", False), ("Airsense NI Ltd", True)),
        quality=7.5,
    ),
    Entry(
        "kent-cloud",
        "priyanka",
        SUPPLIER,
        "Kent County Council",
        "South East",
        "01632 960 188",
        "Moving 300 systems to the cloud with a local supplier",
        summary=(
            "A Kent supplier and the council’s own engineers moved 300 systems out of an ageing data centre "
            "in 18 months, training council staff as they went."
        ),
        trends=(
            (
                "T5",
                "Systems run on modern cloud hosting with tested backups, instead of a data centre at the "
                "end of its life.",
            ),
            (
                "D5",
                "Every migration paired a supplier engineer with a council engineer, so the council can "
                "run the platform itself.",
            ),
        ),
        challenge=(
            "The council’s data centre was at the end of its life, and a failure would have stopped "
            "services from social care to libraries. Past outsourcing had left few cloud skills in-house."
        ),
        approach=(
            "We chose a local supplier through an open competition, agreed to work as one team, and "
            "paired engineers on every migration, documenting each system as it moved."
        ),
        outcomes=(
            "All 300 systems moved with no unplanned outage, running costs fell, and the council now runs "
            "the platform with its own staff."
        ),
        measured=(
            ("Systems moved to the cloud", "0", "300", "April 2025"),
            ("Yearly hosting costs", "£2.4 million", "£1.7 million", "2024 to 2025"),
            ("Council engineers with cloud certifications", "3", "27", "April 2025"),
        ),
        unintended=("Some old systems could not move and had to be replaced sooner than planned."),
        lessons=("Write knowledge transfer into the contract and pair people on real work."),
        partners=(("Medway Cloud Services Ltd", True),),
        quality=7.3,
    ),
    Entry(
        "mft-portal",
        "tom",
        SUPPLIER,
        "Manchester University NHS Foundation Trust",
        "North West",
        "0161 496 0155",
        "A patient portal built with a community supplier",
        summary=(
            "Patients see their appointments and letters and can rebook online, through a portal built with "
            "a small co-operative that worked alongside the trust’s own team."
        ),
        trends=(
            ("D2", "Patients rebook or cancel without phoning, and letters arrive in the portal before the post."),
            ("T5", "The portal is built on open standards and connects to the trust’s patient record system."),
        ),
        challenge=(
            "Patients could only change appointments by phone, and a fifth of calls went unanswered at "
            "busy times, so many simply did not attend."
        ),
        approach=(
            "We worked with a software co-operative in short cycles, tested every release with patients, "
            "and kept the code open so other trusts can reuse it."
        ),
        outcomes=("Missed appointments fell, and calls to the booking line dropped by a third."),
        measured=(
            ("Outpatient appointments missed", "9.1%", "6.8%", "March 2025"),
            ("Calls to the booking line each month", "61,000", "40,500", "March 2025"),
        ),
        unintended=("Patients without internet access risked being left behind, so the booking line kept its hours."),
        lessons=("A small supplier working as part of your team can move faster than a large contract."),
        partners=(("Northern Health Software Co-operative", True),),
        quality=6.9,
    ),
    Entry(
        "bristol-front-door",
        "grace",
        PLACE,
        "Bristol City Council",
        "South West",
        "0117 496 0142",
        "One front door for cost-of-living help",
        summary=(
            "One online form and one phone number now connect residents to help from the council, Citizens "
            "Advice and energy charities, with one assessment instead of four."
        ),
        trends=(
            (
                "D4",
                "The council and six charities share one assessment and refer residents to each other with consent.",
            ),
            ("D2", "Residents tell their story once and get help from whoever can give it."),
            ("T2", "A shared referral record shows each partner what has already been done."),
        ),
        challenge=(
            "Residents struggling with bills were passed between the council and charities, filling in "
            "the same details again and again, and many gave up before they got help."
        ),
        approach=(
            "We mapped residents’ journeys with the charities, agreed one shared assessment and data "
            "sharing, and built a simple referral tool the partners all use."
        ),
        outcomes=("More residents get help, sooner, and fewer are turned away to try somewhere else."),
        measured=(
            ("Residents helped each month", "1,900", "3,100", "January 2025"),
            ("Days from first contact to help", "16 days", "4 days", "January 2025"),
        ),
        unintended=(
            "Demand grew faster than the charities’ capacity at first, so the council funded two extra advisers."
        ),
        lessons=("Agree the data sharing early, and design the journey with the partners who give the help."),
        partners=(("Citizens Advice Bristol", False), ("Centre for Sustainable Energy", False)),
        quality=7.7,
    ),
    Entry(
        "powys-gigabit",
        "iwan",
        PUBLIC_GOOD,
        "Powys County Council",
        "Wales",
        "01632 960 171",
        "A gigabit voucher checker for rural homes",
        summary=(
            "Residents enter a postcode to see which broadband vouchers they can claim and which neighbours "
            "could join them, so whole villages apply together."
        ),
        trends=(
            (
                "T5",
                "The checker joins national coverage data with voucher rules, so residents see what they could get.",
            ),
            ("D1", "Villages that apply together get fibre that no single household could afford."),
        ),
        challenge=(
            "Many rural homes had slow broadband, but voucher schemes were hard to understand and needed "
            "neighbours to apply together."
        ),
        approach=(
            "We built a bilingual postcode checker, trained community champions, and held events in village halls."
        ),
        outcomes=("Thirty-one villages have applied together, and 1,400 homes have gigabit broadband on order."),
        measured=(("Homes with gigabit broadband on order through vouchers", "120", "1,400", "May 2025"),),
        unintended=("Some villages were disappointed when the national rules changed mid-year."),
        lessons=("Make a complicated scheme simple to check, then help communities act together."),
        quality=6.2,
    ),
    Entry(
        "essex-evidence",
        "helen",
        REIMAGINED,
        "Essex Police",
        "East of England",
        "01632 960 195",
        "Sending evidence to the police from your phone",
        summary=(
            "Victims and witnesses upload photos and video to a secure link instead of waiting for an "
            "officer to collect them, so cases move faster."
        ),
        trends=(
            ("D2", "Victims send evidence the day they report a crime, from their own phone."),
            ("T5", "Evidence goes straight into the digital evidence store, with its chain of custody recorded."),
        ),
        challenge=(
            "Officers spent hours collecting evidence on USB sticks and discs, and some evidence was lost "
            "before it was collected."
        ),
        approach=(
            "We introduced secure upload links sent by text, tested them with victims’ groups and trained "
            "every response officer."
        ),
        outcomes=("Evidence arrives within a day instead of a week, and officers spend more time on patrol."),
        measured=(
            ("Days from report to evidence received", "7 days", "1 day", "March 2025"),
            ("Officer hours spent collecting evidence each month", "3,200", "900", "March 2025"),
        ),
        unintended=("Some people uploaded far more than was needed; the guidance now explains what to send."),
        lessons=("Design with victims, and make the secure way the easy way."),
        consent=False,
        quality=7.9,
    ),
    Entry(
        "sheffield-hubs",
        "joe",
        SKILLS,
        "Sheffield City Council",
        "Yorkshire and the Humber",
        "0114 496 0166",
        "Digital inclusion hubs in every library",
        summary=(
            "Every library is now a digital inclusion hub with free devices, data and a trained helper, so "
            "residents can get online and stay online."
        ),
        trends=(
            ("D5", "Library staff and volunteers are trained to help residents with everyday digital tasks."),
            ("D1", "Free refurbished devices and data reach residents who could not afford them."),
        ),
        challenge=(
            "One resident in ten had never used the internet, and many more could not afford a device or "
            "data, while more services moved online."
        ),
        approach=(
            "We trained library staff and volunteers, refurbished donated laptops and gave away SIM cards "
            "with free data."
        ),
        outcomes=(
            "More than 4,000 residents have been helped to get online, and most still use the internet "
            "six months later."
        ),
        measured=(
            ("Residents helped to get online", "0", "4,100", "March 2025"),
            ("Still online six months later", "n/a", "82%", "March 2025"),
        ),
        unintended=("Demand for help with benefit claims grew, so welfare advisers now hold sessions in libraries."),
        lessons=("Devices alone are not enough: people need someone to help them."),
        partners=(("Good Things Foundation", False),),
        quality=6.8,
    ),
    Entry(
        "bucks-planning-ai",
        "fatima",
        DATA_AI,
        "Buckinghamshire Council",
        "South East",
        "01632 960 109",
        "Checking planning applications with AI",
        summary=(
            "An AI tool checks new planning applications for missing documents and drawings, so applicants "
            "hear within a day what they need to add."
        ),
        trends=(
            (
                "T1",
                "The tool reads documents and drawings and flags what is missing; an officer confirms every decision.",
            ),
            ("T4", "Site boundaries are checked against the council’s map data."),
        ),
        challenge=(
            "Half of all planning applications arrived incomplete, and checking them took officers three weeks."
        ),
        approach=(
            "We trained a model on past applications with our officers, and ran it alongside them for two "
            "months before using it."
        ),
        outcomes=("Applicants hear within a day what is missing, and officers spend more time on decisions."),
        measured=(("Days to validate a planning application", "21 days", "3 days", "April 2025"),),
        unintended=("The tool struggled with hand-drawn plans, which officers still check by hand."),
        lessons=("Keep officers in control and measure the tool on your own applications."),
        quality=6.6,
    ),
    Entry(
        "wiltshire-cyber-schools",
        "oliver",
        RESILIENCE,
        "Wiltshire Council",
        "South West",
        "01632 960 122",
        "Cyber exercises for every school",
        summary=(
            "Every school in the county takes part in a short cyber attack exercise, and heads learn what "
            "to do before an attack happens."
        ),
        trends=(
            ("T3", "Schools rehearse an attack and leave with a tested plan."),
            ("D5", "Heads and business managers learn the basics of cyber security."),
        ),
        challenge=("Schools were being targeted by ransomware, and few had a plan."),
        approach=("We ran two-hour exercises in school clusters with the regional cyber crime unit."),
        outcomes=("Ninety schools have taken part so far."),
        measured=(("Schools with a tested cyber response plan", "4", "90", "July 2025"),),
        unintended=("Some schools found gaps they could not afford to fix."),
        lessons=("Start with the people who will make decisions in an attack."),
        fate="ineligible",
        ineligible_reason=INELIGIBLE_REASON,
        quality=6.0,
    ),
)


# --- This year's cycle in judging -----------------------------------------------------------------

JUDGING = (
    Entry(
        "anglesey-council-tax",
        "gwenllian",
        REIMAGINED,
        "Isle of Anglesey County Council",
        "Wales",
        "01632 960 141",
        "Treth Gyngor ar-lein: council tax online in Welsh and English",
        summary=(
            "Residents set up Direct Debits, report a change of address and apply for discounts online in "
            "Welsh or English, and most requests are done the same day."
        ),
        trends=(
            ("D2", "Every council tax task residents asked for most is now online, designed with them."),
            ("D1", "The service is Welsh-first by design, not translated afterwards."),
        ),
        challenge=(
            "Most council tax requests came by phone or letter and took weeks, and the Welsh version of "
            "the old forms was out of date."
        ),
        approach=(
            "We redesigned the five most common requests with residents, writing in Welsh and English "
            "together, and connected the forms to the revenues system."
        ),
        outcomes=("Most requests are now completed the same day, and calls about council tax have fallen."),
        measured=(
            ("Requests completed on the day", "12%", "68%", "August 2025"),
            ("Calls about council tax each month", "4,800", "2,900", "August 2025"),
        ),
        unintended=("Some residents expected instant refunds, so the confirmation page now explains timings."),
        lessons=("Write both languages together from the start."),
        quality=7.3,
    ),
    Entry(
        "rct-flood-alerts",
        "owain",
        RESILIENCE,
        "Rhondda Cynon Taf County Borough Council",
        "Wales",
        "01632 960 158",
        "Flood alerts by text for streets at risk",
        summary=(
            "Residents on 2,300 streets at risk of flooding get a text when river levels rise, with what "
            "to do and where sandbags are."
        ),
        trends=(
            ("D3", "Residents get time to protect their homes before the water arrives."),
            ("T4", "River gauges and street-level flood maps decide who gets each alert."),
        ),
        challenge=("Storms flooded hundreds of homes, and many residents had no warning."),
        approach=(
            "We joined Natural Resources Wales river data with our flood maps and built a bilingual text "
            "alert service that residents sign up to at the door."
        ),
        outcomes=(
            "Over 9,000 households have signed up, and alerts reach them on average two hours before "
            "water reaches their street."
        ),
        measured=(
            ("Households signed up to alerts", "0", "9,200", "October 2025"),
            ("Warning before flooding", "none", "2 hours", "October 2025"),
        ),
        unintended=("Early false alarms worried people, so thresholds were tuned with residents."),
        lessons=("Sign people up on the doorstep, not only online."),
        partners=(("Natural Resources Wales", False),),
        quality=7.8,
    ),
    Entry(
        "wrexham-apprentices",
        "lowri",
        SKILLS,
        "Wrexham County Borough Council",
        "Wales",
        "01632 960 162",
        "Growing our own developers",
        summary=(
            "Eight apprentice developers from local colleges now build and run the council’s online "
            "services, replacing expensive contractors."
        ),
        trends=(("D5", "Apprentices learn on real services with mentors from the digital team."),),
        challenge=("The council could not recruit developers, and contractors cost three times as much."),
        approach=("We recruited apprentices from local colleges and paired each with a mentor."),
        outcomes=("Contractor spend fell, and all eight apprentices have stayed."),
        measured=(("Yearly spend on contract developers", "£640,000", "£210,000", "2024 to 2025"),),
        unintended=("Mentoring took more of senior staff’s time than planned."),
        lessons=("Budget for mentoring time, not only salaries."),
        quality=6.9,
    ),
    Entry(
        "swansea-bay-dna",
        "huw",
        DATA_AI,
        "Swansea Bay University Health Board",
        "Wales",
        "01632 960 169",
        "Predicting missed outpatient appointments",
        summary=(
            "A model predicts which patients are likely to miss an appointment, and a call from the clinic "
            "team helps them attend or rebook."
        ),
        trends=(
            ("T1", "The prediction only decides who gets a phone call; no one loses an appointment."),
            ("T2", "Appointment history and transport data are joined for the first time."),
            ("D2", "Patients get help with transport and times that suit them."),
        ),
        challenge=("One appointment in ten was missed, wasting clinic time and lengthening waits."),
        approach=(
            "We trained a model on three years of appointments, checked it for bias, and tested phone calls "
            "against text reminders."
        ),
        outcomes=("Missed appointments fell in the clinics using the calls."),
        measured=(("Missed outpatient appointments", "10.2%", "7.1%", "September 2025"),),
        unintended=("Calls took longer than expected because many patients needed help with transport."),
        lessons=("The call matters more than the model."),
        partners=(("Digital Health and Care Wales", False),),
        quality=7.5,
    ),
    Entry(
        "brighton-permits",
        "chloe",
        REIMAGINED,
        "Brighton & Hove City Council",
        "South East",
        "01632 960 173",
        "Parking permits without paper",
        summary=(
            "Residents apply for and renew parking permits online in five minutes, and permits are linked "
            "to number plates instead of paper."
        ),
        trends=(
            ("D2", "Applying takes minutes, and visitors’ permits can be bought for a single day."),
            ("T5", "Permits are checked by number plate from the enforcement officers’ devices."),
        ),
        challenge=("Paper permits were lost, copied and posted, and renewals took weeks."),
        approach=("We designed the service with residents and replaced the permit system in stages."),
        outcomes=("Nine permits in ten are now bought online, and renewals are instant."),
        measured=(("Permits applied for online", "35%", "91%", "July 2025"),),
        unintended=("Some older residents missed paper permits, so the phone line still issues them."),
        lessons=("Keep an assisted route for those who need it."),
        quality=6.7,
    ),
    Entry(
        "wmfs-control-room",
        "gurpreet",
        RESILIENCE,
        "West Midlands Fire Service",
        "West Midlands",
        "0121 496 0181",
        "Cyber resilience for the 999 control room",
        summary=(
            "The fire control room can keep taking 999 calls and sending crews through a cyber attack, "
            "with a tested fallback that runs for 72 hours."
        ),
        trends=(
            ("T3", "The control room’s systems were hardened and a separate fallback built and tested."),
            ("D3", "Emergency calls keep being answered whatever happens to the main systems."),
        ),
        challenge=("An attack on the control room systems could have stopped crews being sent to emergencies."),
        approach=(
            "We tested our defences with an external team, built an isolated fallback and rehearsed "
            "switching to it with every watch."
        ),
        outcomes=("Every watch has switched to the fallback in an exercise, within four minutes."),
        measured=(("Time to switch to the fallback", "not possible", "4 minutes", "June 2025"),),
        unintended=("Exercises took control staff away from calls; they now run at quiet times."),
        lessons=("Rehearse with every watch, not only the managers."),
        disputed=True,
        quality=7.6,
    ),
    Entry(
        "leicestershire-early-help",
        "rachel",
        DATA_AI,
        "Leicestershire County Council",
        "East Midlands",
        "0116 496 0137",
        "A single view of families for early help",
        summary=(
            "Early help workers see what schools, health visitors and housing already know about a family, "
            "with consent, so families tell their story once."
        ),
        trends=(
            ("T2", "Data from five services is matched to a single family record."),
            ("D1", "Families consent to sharing, and can see what is held about them."),
        ),
        challenge=("Families were asked the same questions by every service."),
        approach=("We built a consent-based data model with families and practitioners."),
        outcomes=("Assessments are quicker, and families say they feel listened to."),
        measured=(("Days to complete an early help assessment", "35 days", "18 days", "September 2025"),),
        unintended=("Matching records across services found errors in several systems."),
        lessons=("Design consent with families first."),
        quality=7.0,
    ),
    Entry(
        "cumberland-systems",
        "iain",
        PLACE,
        "Cumberland Council",
        "North West",
        "01632 960 186",
        "A new council on one set of systems",
        summary=("A council formed from three brought 200 systems down to 60 in two years, without stopping services."),
        trends=(
            ("D4", "Three former councils’ teams agreed one way of working."),
            ("T5", "Services moved to shared cloud platforms in stages."),
        ),
        challenge=("The new council inherited three of everything, from payroll to planning."),
        approach=("We ranked systems by risk and merged them one service at a time."),
        outcomes=("Running costs fell, and staff use one set of tools."),
        measured=(("Systems in use", "200", "60", "August 2025"),),
        unintended=("Some staff lost tools they liked; we kept the best features."),
        lessons=("Merge one service at a time, and keep people talking."),
        quality=6.5,
    ),
    Entry(
        "norfolk-assistive-tech",
        "hannah",
        PUBLIC_GOOD,
        "Norfolk County Council",
        "East of England",
        "01632 960 191",
        "Assistive technology in 2,000 homes",
        summary=(
            "Sensors and smart devices help 2,000 people live safely at home for longer, chosen with them "
            "and their families."
        ),
        trends=(
            ("D1", "People choose the technology and who sees its data."),
            ("T5", "Devices run on a secure platform monitored around the clock."),
        ),
        challenge=("More people needed care at home than carers could visit."),
        approach=("Occupational therapists and families chose devices together."),
        outcomes=("Fewer people moved into residential care in the first year."),
        measured=(("People supported with assistive technology", "300", "2,000", "September 2025"),),
        unintended=("Some families relied on alerts instead of visits; guidance now covers this."),
        lessons=("Start with what the person wants to be able to do."),
        quality=7.1,
    ),
    Entry(
        "lothian-texts",
        "fiona",
        REIMAGINED,
        "NHS Lothian",
        "Scotland",
        "0131 496 0144",
        "Appointment texts that patients can answer",
        summary=(
            "Patients reply to appointment texts to confirm, cancel or rebook, and freed slots go to others "
            "on the waiting list."
        ),
        trends=(
            ("D2", "Patients answer a text instead of phoning."),
            ("T1", "A simple language model understands replies and hands anything unusual to a person."),
        ),
        challenge=("Patients who could not attend rarely told us, so slots were wasted."),
        approach=("We added two-way texts to the booking system and tested them in three clinics."),
        outcomes=("More cancelled slots are reused."),
        measured=(("Cancelled slots reused", "18%", "55%", "August 2025"),),
        unintended=("Some replies were misunderstood, so unclear ones now go to staff."),
        lessons=("Let a person handle anything unclear."),
        quality=7.2,
    ),
    Entry(
        "surrey-data-literacy",
        "james",
        SKILLS,
        "Surrey County Council",
        "South East",
        "01632 960 197",
        "Data literacy for every manager",
        summary=(
            "Every manager has taken a short course in using data for decisions, and teams now review their "
            "own dashboards each month."
        ),
        trends=(
            ("D5", "A short, practical course for managers, taught by the council’s analysts."),
            ("T2", "Teams use the same dashboards and definitions."),
        ),
        challenge=("Managers made decisions on anecdote, and dashboards went unused."),
        approach=("Analysts taught managers with their own team’s data."),
        outcomes=("Dashboards are used by most teams."),
        measured=(("Managers trained", "0", "1,150", "September 2025"),),
        unintended=("Demand for analysts’ time grew."),
        lessons=("Teach with people’s own data."),
        quality=6.3,
    ),
    Entry(
        "lancashire-drones",
        "ben",
        RESILIENCE,
        "Lancashire Fire and Rescue Service",
        "North West",
        "01632 960 102",
        "Drone imagery for moorland fires",
        summary=(
            "Drones with thermal cameras map moorland fires as they spread, so commanders put crews where "
            "they can stop the fire."
        ),
        trends=(
            ("T4", "Live thermal maps show the fire front to commanders."),
            ("D3", "Moorland communities are protected with fewer crews at risk."),
        ),
        challenge=("Commanders could not see the fire front on large moorland fires."),
        approach=("We trained pilots from our crews and linked drone imagery to the command unit."),
        outcomes=("Large fires are contained sooner."),
        measured=(("Hours to contain large moorland fires", "31 hours", "19 hours", "Summer 2025"),),
        unintended=("Flights were grounded in high winds; crews still train for that."),
        lessons=("Train your own crews as pilots."),
        quality=7.4,
    ),
    Entry(
        "newport-lending-library",
        "sian",
        PUBLIC_GOOD,
        "Newport City Council",
        "Wales",
        "029 2018 0151",
        "A lending library for laptops and data",
        summary=(
            "Residents borrow a laptop with free data from any library, as they would a book, and get help to use it."
        ),
        trends=(
            ("D1", "Devices go to those who need them, with no means test."),
            ("D5", "Library staff help borrowers with the skills they need."),
        ),
        challenge=("Many residents could not apply for jobs or benefits without a device."),
        approach=("We set up lending in every library, with help sessions each week."),
        outcomes=("Most borrowers say they can now do things online they could not before."),
        measured=(("Laptops lent", "0", "1,300", "September 2025"),),
        unintended=("Some devices were not returned; a reminder scheme now works well."),
        lessons=("Treat devices like books."),
        partners=(("Welsh Local Government Association", False),),
        quality=6.8,
    ),
    Entry(
        "tower-hamlets-shared-records",
        "rahima",
        PLACE,
        "London Borough of Tower Hamlets",
        "London",
        "020 7946 0128",
        "Shared case records with the local NHS",
        summary=(
            "Social workers and NHS community teams see one shared record for residents they both support, "
            "so hospital discharges happen sooner."
        ),
        trends=(
            ("D4", "The council and the NHS trust agreed shared governance for one record."),
            ("T2", "Records are matched with residents’ consent and kept up to date both ways."),
        ),
        challenge=("Hospital discharges waited days for information to pass between teams."),
        approach=("We built a shared record with both teams and agreed how it is governed."),
        outcomes=("Discharges are quicker and fewer residents are readmitted."),
        measured=(("Days waiting for discharge", "6 days", "2 days", "September 2025"),),
        unintended=("Matching records raised data quality issues in both systems."),
        lessons=("Agree governance before technology."),
        partners=(("Barts Health NHS Trust", False),),
        quality=7.7,
    ),
    Entry(
        "fenland-bulky-waste",
        "paul",
        REIMAGINED,
        "Fenland District Council",
        "East of England",
        "01632 960 104",
        "Online bulky waste bookings",
        fate="draft",
        sections=("organisation", "project"),
        summary="Residents book and pay for bulky waste collections online and choose the day.",
    ),
)


# --- This year's open cycle ------------------------------------------------------------------------

OPEN = (
    Entry(
        "banes-care-finance",
        "nominee",
        REIMAGINED,
        "Bath & North East Somerset Council",
        "South West",
        "01632 960 133",
        "Care finance assessments online",
        summary=(
            "People starting adult social care complete their financial assessment online or with a helper, "
            "and know what they will pay within days instead of weeks."
        ),
        trends=(
            ("D2", "The assessment is designed around what people know and have to hand, with help by phone."),
            ("T2", "Benefit information is checked automatically with the person’s consent."),
        ),
        challenge=(
            "Financial assessments took seven weeks, so people started care without knowing what it would "
            "cost, and some received large backdated bills."
        ),
        approach=(
            "We redesigned the assessment with people who use care and their families, connected it to the "
            "finance system and trained the contact centre to help."
        ),
        outcomes=("People now know what they will pay before care starts, and backdated bills have almost stopped."),
        measured=(
            ("Weeks to complete a financial assessment", "7 weeks", "6 days", "October 2025"),
            ("Backdated care bills each month", "140", "12", "October 2025"),
        ),
        unintended=("Some families asked for a paper copy to keep, which is now offered."),
        lessons=("People want to know the cost early: make that the first thing the service does."),
        partners=(("Age UK Bath and North East Somerset", False),),
    ),
    Entry(
        "banes-avon-twin",
        "nominee",
        RESILIENCE,
        "Bath & North East Somerset Council",
        "South West",
        "01632 960 133",
        "A digital twin of the River Avon flood plain",
        fate="draft",
        sections=("organisation", "project", "trends", "challenge", "approach"),
        summary=(
            "A 3D model of the river and flood plain lets planners and emergency teams test what a flood "
            "would do before it happens."
        ),
        trends=(
            ("T4", "River gauges, terrain data and building outlines are combined into one model."),
            ("D3", "Emergency planners rehearse floods street by street."),
        ),
        challenge=("Flood plans relied on maps that did not show how water moves between buildings."),
    ),
    Entry(
        "conwy-recycling-assistant",
        "meinir",
        PUBLIC_GOOD,
        "Conwy County Borough Council",
        "Wales",
        "01632 960 176",
        "A bilingual assistant for bins and recycling",
        summary=(
            "Residents ask about collections and recycling in Welsh or English, day or night, and get an "
            "answer from the council’s own information."
        ),
        trends=(
            ("T1", "The assistant only answers from published council pages, and hands other questions to staff."),
            ("D2", "Residents get answers at any time without waiting on the phone."),
        ),
        challenge=("A third of calls to the contact centre were about bins, mostly at busy times."),
        approach=(
            "We built the assistant on our own content, tested it with residents in both languages and "
            "reviewed every unanswered question each week."
        ),
        outcomes=("Calls about bins fell, and most questions are answered in under a minute."),
        measured=(("Calls about bins and recycling each month", "6,200", "3,900", "October 2025"),),
        unintended=("Answers were only as good as our pages, so we rewrote forty of them."),
        lessons=("Fix the content first; the assistant shows where it is wrong."),
    ),
    Entry(
        "ceredigion-school-transport",
        "aled",
        REIMAGINED,
        "Cyngor Sir Ceredigion",
        "Wales",
        "01632 960 183",
        "Booking school transport online",
        fate="draft",
        sections=("organisation",),
    ),
    Entry(
        "nottingham-repairs",
        "marcus",
        DATA_AI,
        "Nottingham City Council",
        "East Midlands",
        "0115 496 0139",
        "Housing repairs reported with a photo",
        summary=(
            "Tenants report a repair with a photo, and an AI model suggests the trade and urgency, so the "
            "right person arrives first time."
        ),
        trends=(
            ("T1", "The model suggests; a repairs officer confirms every job."),
            ("D2", "Tenants report at any time and track the repair."),
        ),
        challenge=("One repair in three needed a second visit because the wrong trade was sent."),
        approach=("We trained a model on past jobs with our repairs officers and tested it for six months."),
        outcomes=("More repairs are fixed first time."),
        measured=(("Repairs fixed at the first visit", "64%", "83%", "September 2025"),),
        unintended=("Photos revealed damp and mould problems earlier, which raised demand for surveys."),
        lessons=("Use the photos for more than triage."),
    ),
    Entry(
        "mawwfrs-safety-checks",
        "bethan",
        RESILIENCE,
        "Mid and West Wales Fire and Rescue Service",
        "Wales",
        "01632 960 148",
        "Home fire safety checks online, in Welsh and English",
        summary=(
            "Residents check their own home’s fire safety online in Welsh or English, and those at higher "
            "risk are offered a visit."
        ),
        trends=(
            ("D3", "Higher-risk homes are found and visited sooner."),
            ("D2", "Anyone can check their home at a time that suits them."),
        ),
        challenge=("Crews could not visit every home, and many people at risk never asked for a visit."),
        approach=("We turned the crews’ checklist into a short bilingual online check, tested with residents."),
        outcomes=("More higher-risk homes are visited."),
        measured=(("Higher-risk homes visited each month", "210", "340", "October 2025"),),
        unintended=("Some people overstated their risk to get a visit, which crews were happy to make."),
        lessons=("Let people help you find them."),
    ),
    Entry(
        "ouh-remote-monitoring",
        "lucy",
        DATA_AI,
        "Oxford University Hospitals NHS Foundation Trust",
        "South East",
        "0118 496 0152",
        "Remote monitoring after surgery",
        summary=(
            "Patients go home sooner after surgery with a wearable sensor, and nurses are alerted if they "
            "need to come back."
        ),
        trends=(("T2", "Readings are monitored centrally and alerts go to the ward."),),
        challenge=("Patients stayed in hospital only to be observed."),
        approach=("We gave wearable sensors to patients after routine surgery."),
        outcomes=("Stays after routine surgery are shorter."),
        measured=(("Days in hospital after routine surgery", "3.2", "1.9", "September 2025"),),
        unintended=("Some patients felt anxious about the alerts."),
        lessons=("Explain what the sensor does and does not do."),
        fate="withdrawn",
    ),
    Entry(
        "dumgal-bus-data",
        "euan",
        PUBLIC_GOOD,
        "Dumfries and Galloway Council",
        "Scotland",
        "01632 960 193",
        "Rural bus timetables as open data",
        fate="draft",
        sections=("organisation", "project"),
        summary="Every rural bus route in the region published as open data, so journey planners show them.",
    ),
)
