"""The account's configuration: questionnaires, questions, settings, users, dispatches, plans.

Everything here is small, built once from the seed and served as-is. Fake secrets (integration keys,
an SMTP password) sit exactly where the real API carries them, so a pipeline can be tested for never
loading them.
"""

from __future__ import annotations

import functools
import random
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from simulator.mixing import object_id
from simulator.timefmt import _Formatter

QUESTIONNAIRES: list[tuple[str, str]] = [
    ("Retail Store", "Retail Store Visit"),
    ("Online Checkout", "Online Checkout"),
    ("Support Call", "Support Call"),
    ("Mobile App", "Mobile App 📱"),
    ("Hôtel Séjour", "Hôtel Séjour — Stay"),
    ("Branch Banking, EU", "Branch Banking, EU"),
]
# share of responses per questionnaire (percent, sums to 100)
QUESTIONNAIRE_WEIGHTS: list[int] = [30, 25, 15, 12, 10, 8]

ALL = [name for name, _ in QUESTIONNAIRES]
R, O_, S, M, H, B = ALL


@dataclass(frozen=True)
class QuestionSpec:
    """What the generator needs to know about a question."""

    key: str
    text: str
    display_type: str
    locations: list[str]
    options: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    low: int = 0
    high: int = 0
    retired: bool = False
    pii_type: str | None = None
    api_fill: bool = False
    required: bool = False
    note: str | None = None


QUESTION_SPECS: list[QuestionSpec] = [
    # shared by every questionnaire
    QuestionSpec(
        "nps",
        "How likely are you to recommend us to a friend or colleague?",
        "Scale",
        ALL,
        tags=["NPS"],
        low=0,
        high=10,
        required=True,
        note="NPS",
    ),
    QuestionSpec(
        "csat",
        "Overall, how satisfied were you today?",
        "Star-5",
        ALL,
        tags=["CSAT"],
        low=1,
        high=5,
        required=True,
        note="CSAT",
    ),
    QuestionSpec(
        "comments",
        "Anything else you'd like to tell us? ✍️",
        "MultilineText",
        ALL,
        tags=["Comments"],
        note="Comments",
    ),
    QuestionSpec("name", "Your name", "Text", ALL, tags=["Name"], pii_type="Name", note="Name"),
    QuestionSpec(
        "email", "Your e-mail address", "Text", ALL, tags=["Email"], pii_type="Email", note="Email"
    ),
    QuestionSpec(
        "mobile",
        "Your mobile number",
        "Text",
        ALL,
        tags=["Mobile"],
        pii_type="Mobile",
        note="Mobile",
    ),
    QuestionSpec(
        "tier",
        "Customer tier (from CRM)",
        "Select",
        ALL,
        options=["Gold", "Silver", "Bronze, legacy"],
        api_fill=True,
        note="Tier",
    ),
    # Retail Store
    QuestionSpec(
        "r_ces",
        "How easy was it to find what you needed?",
        "Scale",
        [R],
        tags=["CES"],
        low=1,
        high=7,
    ),
    QuestionSpec(
        "r_depts",
        "Which departments did you visit?",
        "MultiSelect",
        [R],
        options=["Home, Garden & Patio", "Electronics", "Toys, Games", "Grocery"],
    ),
    QuestionSpec("r_date", "When did you visit?", "Date", [R]),
    QuestionSpec("r_staff", "How friendly was our staff?", "Smile-5", [R], low=1, high=5),
    QuestionSpec("r_store", "Store number", "Number", [R], low=100, high=999),
    QuestionSpec("r_return", "Would you shop here again?", "Flag", [R], options=["Yes", "No"]),
    # Online Checkout
    QuestionSpec("o_ces", "How easy was checkout?", "Scale", [O_], tags=["CES"], low=1, high=7),
    QuestionSpec(
        "o_pay",
        "Payment method",
        "Dropdown",
        [O_],
        options=["Card", "PayPal", "Bank transfer", "Gift card, voucher"],
    ),
    QuestionSpec(
        "o_rank",
        "Rank what matters most to you",
        "OrderBy",
        [O_],
        options=["Price", "Speed, reliability", "Support"],
    ),
    QuestionSpec("o_shot", "Attach a screenshot (optional)", "File", [O_]),
    QuestionSpec("o_items", "How many items were in your basket?", "Number", [O_], low=1, high=40),
    QuestionSpec("o_speed", "Rate the site's speed", "Slider", [O_], low=0, high=100),
    # Support Call
    QuestionSpec(
        "s_ces",
        "How much effort did it take to resolve your issue?",
        "Scale",
        [S],
        tags=["CES"],
        low=1,
        high=7,
    ),
    QuestionSpec(
        "s_reason",
        "Reason for calling",
        "Select",
        [S],
        options=["Billing, invoices", "Technical issue", "Cancel, downgrade", "Other"],
    ),
    QuestionSpec("s_agent", "Rate the agent's knowledge", "Star-5", [S], low=1, high=5),
    QuestionSpec("s_resolved", "Was your issue resolved?", "Flag", [S], options=["Yes", "No"]),
    QuestionSpec("s_date", "Date of the call", "Date", [S]),
    QuestionSpec("s_describe", "Describe the issue in a few words", "Text", [S]),
    # Mobile App
    QuestionSpec("m_perf", "Rate the app's performance", "Slider", [M], low=0, high=10),
    QuestionSpec(
        "m_features",
        "Which features do you use?",
        "MultiSelect",
        [M],
        options=["Payments, transfers", "Chat", "Offers", "Statements"],
    ),
    QuestionSpec("m_version", "App version", "Dropdown", [M], options=["5.1", "5.2", "6.0 beta"]),
    QuestionSpec("m_crash", "Did the app crash?", "Flag", [M], options=["Yes", "No"]),
    QuestionSpec("m_mood", "How do you feel about the app?", "Smile-5", [M], low=1, high=5),
    QuestionSpec("m_shot", "Attach a screenshot", "File", [M]),
    # Hotel
    QuestionSpec("h_clean", "Room cleanliness", "Star-5", [H], tags=["CSAT"], low=1, high=5),
    QuestionSpec("h_checkin", "Check-in date", "Date", [H]),
    QuestionSpec("h_nights", "Number of nights", "Number", [H], low=1, high=21),
    QuestionSpec(
        "h_amenities",
        "Amenities used",
        "MultiSelect",
        [H],
        options=["Spa, sauna", "Pool", "Gym", "Restaurant, bar"],
    ),
    QuestionSpec(
        "h_rank",
        "Rank these by importance",
        "OrderBy",
        [H],
        options=["Location", "Price, value", "Comfort"],
    ),
    QuestionSpec("h_staff", "Anything about our staff? (Français accepté)", "Text", [H]),
    # Branch Banking
    QuestionSpec("b_wait", "How long did you wait (minutes)?", "Slider", [B], low=0, high=60),
    QuestionSpec(
        "b_service",
        "Service used",
        "Dropdown",
        [B],
        options=["Deposit", "Loan, mortgage", "Account opening"],
    ),
    QuestionSpec("b_ces", "How easy was your visit?", "Scale", [B], tags=["CES"], low=1, high=7),
    QuestionSpec(
        "b_products",
        "Which products interest you?",
        "MultiSelect",
        [B],
        options=["Savings", "Insurance, pensions", "Cards", "Investments"],
    ),
    QuestionSpec("b_advisor", "Name of your advisor", "Text", [B]),
    QuestionSpec("b_date", "Date of visit", "Date", [B]),
    # retired: answered only by responses from the first half of the period
    QuestionSpec(
        "x_old_sat",
        "How satisfied were you? (old scale)",
        "Scale",
        [R],
        low=1,
        high=5,
        retired=True,
    ),
    QuestionSpec(
        "x_old_channel",
        "How did you hear about us?",
        "Select",
        [O_],
        options=["Friend", "Ad, online", "TV"],
        retired=True,
    ),
    QuestionSpec("x_old_text", "What could we improve? (old)", "Text", [S], retired=True),
]

FIRST_NAMES = [
    "Ana",
    "Björn",
    "Chloé",
    "Dmitri",
    "Émile",
    "Fatima",
    "Günther",
    "Hiroshi",
    "Ingrid",
    "José",
    "Kwame",
    "Léa",
    "Mei",
    "Nuño",
    "Olga",
    "Priya",
    "Quentin",
    "Rūta",
    "Søren",
    "Tomás",
    "Uma",
    "Václav",
    "Wei",
    "Xóchitl",
    "Yusuf",
    "Zoë",
    "李",
    "Ølivia",
]
LAST_NAMES = [
    "Andersen",
    "Błaszczyk",
    "Costa",
    "Dubois",
    "Eriksson",
    "Fernández",
    "García",
    "Hernández",
    "Ivanova",
    "Jansen",
    "Kowalski",
    "López",
    "Müller",
    "Nakamura",
    "O'Brien",
    "Petrović",
    "Quispe",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ulrich",
    "Virtanen",
    "王",
]


@functools.lru_cache(maxsize=4096)
def _ascii(text: str) -> str:
    """A lower-case ASCII rendering of a name, for logins and e-mail addresses."""
    plain = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("Ø", "O"))
    kept = "".join(ch for ch in plain.lower() if ch.isascii() and ch.isalnum())
    return kept or f"u{sum(map(ord, text)) % 1000}"


@dataclass
class Catalog:
    """The account's configuration objects, already in wire shape (dicts in model order)."""

    seed: int
    username: str
    now_ms: int
    fmt: _Formatter
    fmt_noz: _Formatter
    questions: list[dict[str, Any]] = field(default_factory=list)
    question_ids: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    questionnaires: list[dict[str, Any]] = field(default_factory=list)
    subusers: list[dict[str, Any]] = field(default_factory=list)
    dispatches: list[dict[str, Any]] = field(default_factory=list)
    delivery_plans: list[dict[str, Any]] = field(default_factory=list)
    content_templates: list[dict[str, Any]] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)

    @classmethod
    def build(
        cls, seed: int, username: str, now_ms: int, fmt: _Formatter, fmt_noz: _Formatter
    ) -> Catalog:
        """Build the whole configuration for a seed."""
        catalog = cls(seed=seed, username=username, now_ms=now_ms, fmt=fmt, fmt_noz=fmt_noz)
        rng = random.Random(seed * 7919 + 17)
        catalog._build_questions()
        catalog._build_settings(rng)
        catalog._build_users(rng)
        catalog._build_plans(rng)
        return catalog

    def _secret(self, rng: random.Random, label: str) -> str:
        value = f"FAKE-{label}-{rng.getrandbits(96):024x}"
        self.secrets.append(value)
        return value

    def _build_questions(self) -> None:
        day_ms = 86_400_000
        for sequence, spec in enumerate(QUESTION_SPECS, start=1):
            qid = object_id(self.seed, "question", sequence)
            self.question_ids[spec.key] = qid
            legend = f"{spec.low},{spec.high}" if spec.high else None
            self.questions.append(
                {
                    "id": qid,
                    "user": self.username,
                    "setName": None,
                    "sequence": sequence,
                    "text": spec.text,
                    "titleText": spec.note,
                    "displayType": spec.display_type,
                    "multiSelect": list(spec.options) if spec.options else None,
                    "displayLegend": legend,
                    "staffFill": False,
                    "apiFill": spec.api_fill,
                    "displayLocation": list(spec.locations),
                    "isRequired": spec.required,
                    "questionTags": list(spec.tags),
                    "topicTags": ["Staff"] if "staff" in spec.key else [],
                    "isRetired": spec.retired,
                    "note": spec.note,
                    "conditionalFilter": None,
                    "translated": {"fr": spec.text + " (fr)"} if spec.key == "nps" else None,
                    "attributes": None,
                    "restrictedData": False,
                    "sensitiveData": spec.pii_type is not None,
                    "piiSettings": {
                        "isPII": spec.pii_type is not None,
                        "piiType": spec.pii_type,
                        "hashPII": False,
                    },
                    "lastUpdate": self.fmt_noz(self.now_ms - (sequence % 9 + 40) * day_ms),
                    "lastAuthor": self.username,
                    "validationRegex": None,
                    "validationHint": None,
                }
            )

    def _build_settings(self, rng: random.Random) -> None:
        locations = []
        for name, display in QUESTIONNAIRES:
            locations.append(
                {
                    "isNameImmutable": True,
                    "name": name,
                    "displayName": display,
                    "address": None,
                    "brand": "Acme",
                    "group": "EU" if "EU" in name else "Global",
                    "tags": [],
                    "attributes": None,
                    "dataRetentionDays": 1095 if "Bank" not in name else 365,
                    "hashPIIBy": None,
                }
            )
            self.questionnaires.append(
                {
                    "isNameImmutable": True,
                    "name": name,
                    "displayName": display,
                    "hashPIIBy": None,
                }
            )
        self.settings = {
            "user": self.username,
            "locationList": locations,
            "timeZoneOffset": 330,
            "npsRange": "7,8",
            "dateFormat": "dd/MM/yyyy",
            "language": "en",
            "brandLogo": None,
            "salesforceIntegration": {
                "clientId": "3MVG9-fake-client",
                "clientSecret": self._secret(rng, "SALESFORCE-SECRET"),
                "instanceUrl": "https://acme.my.salesforce.example",
            },
            "webhookSigningKey": self._secret(rng, "WEBHOOK-KEY"),
            "twilioAuthToken": self._secret(rng, "TWILIO-TOKEN"),
            "googleMapsApiKey": self._secret(rng, "GOOGLE-KEY"),
        }

    def _build_users(self, rng: random.Random) -> None:
        roles = ["Manager", "Executive", "Analyst", "Manager", "ReadOnly"]
        for number in range(12):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            login = f"{_ascii(first)}.{_ascii(last)}{number}"
            self.subusers.append(
                {
                    "id": object_id(self.seed, "subuser", number),
                    "userName": login,
                    "name": f"{first} {last}",
                    "email": f"{login}@acme.example",
                    "mobilePhone": f"+4479{rng.randrange(10**8):08d}",
                    "primaryRole": roles[number % len(roles)],
                    "department": rng.choice(["CX", "Retail", "Support", None]),
                    "enterpriseRole": None,
                    "reportsTo": self.username if number else None,
                    "locationFilter": [QUESTIONNAIRES[number % 6][0]],
                    "regions": None,
                    "languages": ["en"],
                    "isEmailVerified": number % 3 != 0,
                    "isMobilePhoneVerified": False,
                }
            )

    def _build_plans(self, rng: random.Random) -> None:
        day_ms = 86_400_000
        for number in range(4):
            plan_id = object_id(self.seed, "deliveryplan", number)
            self.delivery_plans.append(
                {
                    "id": plan_id,
                    "user": self.username,
                    "name": f"Policy {number + 1}",
                    "description": "Weekly e-mail invitations" if number % 2 == 0 else None,
                    "created": self.fmt(self.now_ms - (200 - number) * day_ms),
                    "updated": self.fmt_noz(self.now_ms - (10 + number) * day_ms),
                    "isLive": number != 3,
                    "schedule": [
                        {
                            "channel": "Email",
                            "templateId": None,
                            "onDay": "Monday",
                            "onTime": "09:00",
                            "additionalURLParameter": None,
                        }
                    ],
                    "counters": {
                        "surveysDelivered": rng.randrange(1000, 90_000),
                        "surveysAnswered": rng.randrange(100, 9_000),
                        "surveysBounced": rng.randrange(0, 500),
                        "unsubscribed": rng.randrange(0, 50),
                    },
                    "routeEmailSMTP": {
                        "server": "smtp.acme.example",
                        "port": 587,
                        "login": "surveys@acme.example",
                        "password": self._secret(rng, "SMTP-PASSWORD"),
                        "fromAddress": "surveys@acme.example",
                        "fromName": "Acme Surveys",
                        "enableSSL": True,
                    },
                    "lastRun": self.fmt(self.now_ms - number * day_ms),
                    "status": "Live" if number != 3 else "Paused",
                }
            )
            for offset, (name, display) in enumerate(QUESTIONNAIRES[number::4]):
                self.dispatches.append(
                    {
                        "id": object_id(self.seed, "dispatch", number * 10 + offset),
                        "user": self.username,
                        "name": f"{display} invitations",
                        "created": self.fmt(self.now_ms - (150 - number) * day_ms),
                        "updated": self.fmt_noz(self.now_ms - (5 + number) * day_ms),
                        "deliveryPlanId": plan_id,
                        "questionnaireName": name,
                        "questionnaireDisplayName": display,
                        "isLive": number != 3,
                        "expiryDays": None,
                    }
                )
        for number, name in enumerate(["Invitation (en)", "Reminder (en)", "Invitation — fr"]):
            self.content_templates.append(
                {
                    "id": object_id(self.seed, "template", number),
                    "account": self.username,
                    "name": name,
                }
            )
