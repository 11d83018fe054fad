"""Likely duplicate organisations: within one economy, organisations whose names are the same
once normalised, or that share a website, or the email domain of their people.

Firms type their names in many ways ("Café Andino S.A.", "CAFE ANDINO", "Cafe Andino SA"),
which inflates unique-firm figures (impact.queries counts distinct organisations). These are
suggestions for an organiser to confirm; merging is registrations.organisations.services.merge.
Never across economies: the same name in two economies is two firms.

How: the organisations (of one economy, or all) and their people's email addresses are read in
two queries, grouped in Python (one pass with a union-find per economy), then the groups'
registrations are counted in a third: the page's query count does not grow with its rows.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from outreach.models import Economy, Organisation, OrganisationKind, User
from registrations.models import Registration

# Words that say a firm's legal form, not which firm it is: dropped from names before comparing
# (after accents, case and dots are gone, so "S.A." is "sa" and "S. de R.L." is "s de rl").
LEGAL_FORMS = frozenset(
    {
        "ltd",
        "limited",
        "llc",
        "llp",
        "plc",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "cia",
        "compania",
        "sa",
        "sas",
        "sarl",
        "sarlu",
        "srl",
        "sl",
        "slu",
        "sapi",
        "spa",
        "sac",
        "saa",
        "eirl",
        "ltda",
        "lda",
        "gmbh",
        "ag",
        "kg",
        "ohg",
        "ug",
        "bv",
        "nv",
        "oy",
        "ab",
        "aps",
        "pty",
        "pvt",
        "snc",
        "eurl",
        "sasu",
    }
)
# Legal forms of several words (read as whole words, in order), dropped before the single ones.
LEGAL_PHRASES = (
    ("s", "de", "rl", "de", "cv"),
    ("s", "de", "rl"),
    ("sa", "de", "cv"),
    ("s", "en", "c"),
    ("y", "cia"),
    ("and", "co"),
    ("et", "cie"),
    ("pty", "ltd"),
    ("pvt", "ltd"),
)
# Words that join names: "Pérez y Cía", "Smith & Sons", "Dupont et Fils" read alike.
JOINING_WORDS = frozenset({"and", "y", "e", "et", "und", "the", "el", "la", "le", "les", "los"})

# Email providers anyone can use: a shared address there says nothing about the organisation.
# Matched by the domain's first label for providers with a domain per country (yahoo.fr,
# hotmail.co.uk), and exactly for the rest.
PUBLIC_MAIL_PROVIDERS = frozenset(
    {"yahoo", "ymail", "hotmail", "outlook", "live", "msn", "gmx", "yandex", "aol", "rocketmail"}
)
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "mail.ru",
        "bk.ru",
        "inbox.ru",
        "list.ru",
        "qq.com",
        "163.com",
        "126.com",
        "sina.com",
        "zoho.com",
        "mail.com",
        "email.com",
        "web.de",
        "t-online.de",
        "orange.fr",
        "free.fr",
        "wanadoo.fr",
        "laposte.net",
        "sfr.fr",
        "tutanota.com",
        "uol.com.br",
        "bol.com.br",
        "terra.com.br",
        "rediffmail.com",
    }
)
# Domains reserved for examples and tests (RFC 2606, RFC 6761): they name no organisation.
RESERVED_DOMAINS = frozenset({"example.com", "example.org", "example.net"})
RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost")
# Websites on a shared platform, where the page's path (facebook.com/cafeandino), not the
# host, names the organisation.
SHARED_HOSTS = frozenset(
    {
        "facebook.com",
        "fb.com",
        "instagram.com",
        "linkedin.com",
        "twitter.com",
        "x.com",
        "youtube.com",
        "tiktok.com",
        "wa.me",
        "linktr.ee",
        "sites.google.com",
        "wixsite.com",
        "business.site",
    }
)

# Organisations that act for the programme or co-host it are compared among themselves, firms
# and the other registrants among themselves: a ministry is never a firm's duplicate.
BODY_KINDS = frozenset(
    {OrganisationKind.ORGANISER, OrganisationKind.GOVERNMENT, OrganisationKind.INTERNATIONAL}
)


class Reason:
    NAME = "name"
    WEBSITE = "website"
    EMAIL = "email"


REASON_LABELS = {
    Reason.NAME: _("similar names"),
    Reason.WEBSITE: _("the same website"),
    Reason.EMAIL: _("the same email domain"),
}


def normalised_name(name: str) -> str:
    """The name as compared: no accents, case, punctuation, legal form or joining words, and no
    spaces ("Café Andino S.A." → "cafeandino"). A name that is nothing but those words keeps
    its words, so that "S.A." is not everyone's duplicate."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    folded = folded.replace("&", " and ").replace(".", "")
    words = re.sub(r"[\W_]+", " ", folded).split()
    kept = _without_phrases(words)
    kept = [word for word in kept if word not in LEGAL_FORMS and word not in JOINING_WORDS]
    return "".join(kept or words)


def _without_phrases(words: list[str]) -> list[str]:
    kept, index = [], 0
    while index < len(words):
        for phrase in LEGAL_PHRASES:
            if tuple(words[index : index + len(phrase)]) == phrase:
                index += len(phrase)
                break
        else:
            kept.append(words[index])
            index += 1
    return kept


def _is_named_domain(domain: str) -> bool:
    return bool(domain) and not (
        domain in RESERVED_DOMAINS or domain.endswith(RESERVED_SUFFIXES) or "." not in domain
    )


def website_key(website: str) -> str:
    """The website as compared: its host without "www.", and on a shared platform the first
    part of its path too ("facebook.com/cafeandino"); "" for none."""
    text = (website or "").strip().casefold()
    if not text:
        return ""
    if "//" not in text:
        text = "//" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:
        return ""
    if not _is_named_domain(host):
        return ""
    if host in SHARED_HOSTS or host.endswith(".wixsite.com"):
        page = next((part for part in parts.path.split("/") if part), "")
        return f"{host}/{page}" if page else ""
    return host


def email_domain(email: str) -> str:
    """The domain of an address if it can say which organisation it is: "" for a public mail
    provider (gmail.com, yahoo.fr, …) or a reserved domain."""
    domain = email.rpartition("@")[2].strip().casefold().removeprefix("www.")
    if not _is_named_domain(domain) or domain in PUBLIC_MAIL_DOMAINS:
        return ""
    if domain.split(".", 1)[0] in PUBLIC_MAIL_PROVIDERS:
        return ""
    return domain


@dataclass
class DuplicateGroup:
    """Organisations of one economy that are likely one: the most registered first (the one an
    organiser most likely keeps), each with `registration_count` and `people_count`."""

    economy: Economy
    organisations: list[Organisation]
    reasons: list[str] = field(default_factory=list)

    @property
    def others_count(self) -> int:
        return len(self.organisations) - 1

    @property
    def reason_labels(self) -> list[str]:
        return [REASON_LABELS[reason] for reason in self.reasons]


class _UnionFind:
    def __init__(self):
        self.parent = {}

    def find(self, item):
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a, b):
        self.parent[self.find(a)] = self.find(b)


def likely_duplicates(economy: Economy | str | None = None) -> list[DuplicateGroup]:
    """Groups of likely duplicates, of one economy or of all, in three queries: by economy
    name, then the most registered organisation's name."""
    organisations = Organisation.objects.select_related("economy").order_by("pk")
    if economy is not None:
        organisations = organisations.filter(economy=economy)
    organisations = {organisation.pk: organisation for organisation in organisations}
    people = defaultdict(int)
    domains_of = defaultdict(set)
    emails = User.objects.filter(organisation_id__in=organisations.keys()).values_list(
        "organisation_id", "email"
    )
    for organisation_id, email in emails.iterator():
        people[organisation_id] += 1
        if domain := email_domain(email):
            domains_of[organisation_id].add(domain)

    # Organisations sharing a key are one group; a key names its economy and side, so that no
    # group crosses either. A website's domain and its people's email domain are one key
    # (acme.cl on the website, people writing from @acme.cl), counted as a shared email domain
    # when someone's address brought it (a shared website alone is the website's key).
    holders = defaultdict(list)
    for organisation in organisations.values():
        side = "body" if organisation.kind in BODY_KINDS else "party"
        scope = (organisation.economy_id, side)
        name = normalised_name(organisation.name)
        holders[(*scope, Reason.NAME, name)].append((organisation.pk, True))
        website = website_key(organisation.website)
        if website:
            holders[(*scope, Reason.WEBSITE, website)].append((organisation.pk, True))
        domains = domains_of[organisation.pk]
        for domain in domains | ({website} if website and "/" not in website else set()):
            holders[(*scope, Reason.EMAIL, domain)].append((organisation.pk, domain in domains))
    links = _UnionFind()
    reasons = defaultdict(set)
    for (_economy, _side, reason, _value), members in holders.items():
        if len(members) < 2 or not any(counts for _pk, counts in members):
            continue
        first = members[0][0]
        for pk, _counts in members[1:]:
            links.union(pk, first)
        reasons[first].add(reason)
    groups = defaultdict(list)
    for pk in organisations:
        groups[links.find(pk)].append(pk)
    groups = {root: members for root, members in groups.items() if len(members) > 1}
    reasons_of = defaultdict(set)
    for first, found in reasons.items():
        reasons_of[links.find(first)] |= found

    in_groups = [pk for members in groups.values() for pk in members]
    registered = dict(
        Registration.objects.filter(organisation_id__in=in_groups)
        .values_list("organisation_id")
        .order_by()
        .annotate(count=Count("*"))
    )
    result = []
    for root, members in groups.items():
        members = [organisations[pk] for pk in members]
        for organisation in members:
            organisation.registration_count = registered.get(organisation.pk, 0)
            organisation.people_count = people[organisation.pk]
        members.sort(key=lambda o: (-o.registration_count, -o.people_count, o.name, o.pk))
        order = [Reason.NAME, Reason.WEBSITE, Reason.EMAIL]
        found = sorted(reasons_of[root], key=order.index)
        result.append(DuplicateGroup(members[0].economy, members, found))
    result.sort(key=lambda g: (g.economy.sort_name, g.organisations[0].name.casefold()))
    return result


def economies_with_organisations():
    """The economies to filter by: those with at least one organisation."""
    return Economy.objects.filter(organisations__isnull=False).distinct().order_by("sort_name")
