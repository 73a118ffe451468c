"""Who publishes a source page, judged from its web address: the host lists behind `source_quality`
and `discovered_via`.

The lists are the checkable part of two curation rules (docs/CURATION.md): anyone can see which
host a URL has and which list it is on. The validator refuses a record marked `original` on a host
listed here as a mirror, repost or aggregator, and a URL on an EU host whose record says otherwise.
Add a host when a reviewer finds one; never remove one without a note in the review log.
"""

from __future__ import annotations

from urllib.parse import urlparse

# The EU's own institutions, Delegations and Council presidencies, and the web addresses of EU
# office-holders who publish their own statements there.
EU_HOST_SUFFIXES = ("europa.eu",)
EU_HOSTS = frozenset({
    "epthinktank.eu",            # European Parliament Research Service
    "eidhr.eu",                  # the Commission's human-rights funding instrument
    "eu2008.fr",                 # French Council presidency, 2008
    "eu2008.si",                 # Slovenian Council presidency, 2008
    "euinjapan.jp",              # EU Delegation to Japan
    "avrupa.info.tr",            # EU Delegation to Turkey
    "europa.ba", "archive.europa.ba", "europa.rs",  # EU Delegations in the Western Balkans
    "gilmore.ie",                # EU Special Representative for Human Rights (2019-2023), own site
    "lagodinsky.de",             # MEP, chair of the EP delegation to Turkey, own site
    "reinhardbuetikofer.eu",     # MEP, chair of the EP delegation for relations with China, own site
})

# Member states and intergovernmental bodies publishing the statement they made or the EU made there.
OTHER_OFFICIAL_HOSTS = frozenset({
    "swedenabroad.se", "kina.um.dk", "netherlandsandyou.nl", "auswaertiges-amt.de", "mfa.gov.lv", "esteri.it",
    "um.fi",                     # Finnish foreign ministry, also the Council presidency's site in 2006
    "coe.int", "hub.coe.int", "osce.org",
    "dfa.ie",                    # Irish foreign ministry, also the Council presidency's site in 2013
    "exteriores.gob.es",         # Spanish foreign ministry and its embassies
    "newyork-un.mae.lu",         # Luxembourg's mission to the UN
})
# Member states' embassy and mission networks, each under one domain (ru.ambafrance.org, new-york-un.diplo.de).
OTHER_OFFICIAL_HOST_SUFFIXES = ("ambafrance.org", "diplo.de")
UN_HOST_SUFFIXES = ("un.org", "ohchr.org", "unhcr.org", "oas.org")

# Complete, unaltered copies of an official page kept by an archive or an official republisher.
FAITHFUL_COPY_HOSTS = frozenset({
    "collections.internetmemory.org",   # EU institutions' web archive
    "webarchive.archive.unhcr.org",     # UNHCR web archive
    "web.archive.org",
    "linkedpolitics.project.cwi.nl",    # European Parliament debates, verbatim
    "reliefweb.int",                    # UN OCHA republication of documents in full
    "south.euneighbours.eu",            # EU-funded portal republishing EEAS statements in full
    "norway.no",                        # Norway's OSCE mission republishing EU statements it aligned with
})
# Copies of EU texts in particular (for discovered_via): a case found on one was found through the EU.
EU_TEXT_COPY_HOSTS = frozenset({"collections.internetmemory.org", "linkedpolitics.project.cwi.nl",
                                "south.euneighbours.eu", "eeas.eu.com"})

# Mirrors, reposts, aggregators, look-alike sites, user-uploaded document stores, content farms and
# blogs. A page here is secondary whatever it reports: cite the original page instead where it exists.
SECONDARY_HOSTS = frozenset({
    "eeas.eu.com",                      # unofficial look-alike of eeas.europa.eu
    "docslib.org", "vdocuments.us",     # user-uploaded document copies
    "parltrack.org", "parltrack.eu",    # aggregators of European Parliament data
    "publicnow.com", "pressreader.com", "wired-gov.net", "lelezard.com", "menafn.com", "zawya.com",
    "devdiscourse.com", "latestly.com", "urdupoint.com", "pakistanpoint.com", "tellerreport.com",
    "pledgetimes.com", "blazetrends.com", "breezyscroll.com", "dailynewsen.com", "broadcastunited.com",
    "bargainmama.com", "newsofemirates.com", "codelist.biz", "eubuzz.news", "thelatestnews.world",
    "presswire18.com", "coulisses.us", "ad-hoc-news.de", "zazoom.it", "maghress.com", "sahafati.com",
    "constricts.rssing.com", "rrcabin.com", "see.news", "bahaipedia.org", "mrwatchlist.com",
    "ikhwaninfowhoswhoen.data.blog",
    "ieu-monitoring.com", "portal.ieu-monitoring.com",  # aggregator reposting EEAS statements
    # Found in review round 11 while looking for originals:
    "pubt.io",                          # Public Technologies, the publisher of publicnow.com
    "openparlement.eu",                 # aggregator of the Parliament's legislative observatory
    "en-smanews.org", "gobernantes.com", "balochhouse.com", "pressclub.be", "globaldefence.net",
    "globalsecurity.org", "europediplomatic.com", "tibetaction.net",          # reposts of EU texts
    "thewall.fyi", "biztweet.cz", "europeaninterest.eu", "eureporter.co",     # reworded or machine-translated reposts
    "cde.ual.es",                       # EEAS texts reposted with inserted lines, so not unaltered
    "docplayer.nl", "pdfslide.net", "dokumen.tips", "studylib.net", "yumpu.com",  # user-uploaded document stores
    "statmt.org",                       # the Europarl corpus for machine translation
    "feddit.org", "gruenlink.de", "dobol.uk",  # a forum, a link shortener, a proxy mirror of europarl
    "europeansources.info", "fnvaworld.org", "thenigerianvoice.com",        # abstracts and press-release reposts
    "kildarestreet.com",                # unofficial mirror of the Irish parliament's records (oireachtas.ie)
    "app.lexploria.com", "legalize.dev", "respectus-knowledge-base.document360.io", "inenuitvoer.sdu.nl",  # copies of EU law
})
SECONDARY_HOST_SUFFIXES = (".blogspot.com", ".wordpress.com", ".data.blog", ".cloudfront.net", ".linode.com",
                           ".rssing.com", ".over-blog.com")


def host_of(url: str) -> str:
    """The lower-case host of a URL without a leading www."""
    host = (urlparse(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _matches(host: str, names: frozenset[str], suffixes: tuple[str, ...] = ()) -> bool:
    return host in names or any(host == s.lstrip(".") or host.endswith(s if s.startswith(".") else "." + s)
                                for s in suffixes)


def is_eu_host(url: str) -> bool:
    return _matches(host_of(url), EU_HOSTS, EU_HOST_SUFFIXES)


def is_un_host(url: str) -> bool:
    return _matches(host_of(url), frozenset(), UN_HOST_SUFFIXES)


def is_secondary_host(url: str) -> bool:
    return _matches(host_of(url), SECONDARY_HOSTS, SECONDARY_HOST_SUFFIXES)


def is_eu_text(url: str) -> bool:
    """The page is an EU text: on an EU host, or a copy of one on a host that only republishes EU texts."""
    return is_eu_host(url) or host_of(url) in EU_TEXT_COPY_HOSTS


def source_quality(url: str, record: str) -> str:
    """`original`, `faithful_copy` or `secondary` for the source of an EU action (record='action') or a case.

    An EU action's original page is the acting body's own (an EU, member-state or intergovernmental
    host); a news or NGO report of the action is secondary. A case's original page is the documenting
    body's own (NGO, UN, news outlet), unless its host is a mirror, repost, aggregator or blog.
    """
    host = host_of(url)
    if is_secondary_host(url):
        return "secondary"
    if host in FAITHFUL_COPY_HOSTS:
        return "faithful_copy"
    if record == "action":
        official = (is_eu_host(url) or is_un_host(url)
                    or _matches(host, OTHER_OFFICIAL_HOSTS, OTHER_OFFICIAL_HOST_SUFFIXES))
        return "original" if official else "secondary"
    return "original"


def discovered_via(source_url: str, source_kind: str, linked_action_sources: set[str]) -> str:
    """The rule for cases recorded before `discovered_via` existed (docs/CURATION.md, "Discovery").

    `eu` when the case's page is an EU text or is the page of an EU action linked to the case;
    otherwise `un` for a UN or other intergovernmental page, else the kind of source (ngo or media).
    """
    if source_url in linked_action_sources or is_eu_text(source_url):
        return "eu"
    if is_un_host(source_url):
        return "un"
    if source_kind not in ("ngo", "media"):
        raise ValueError(f"{source_url}: an official page that is neither EU nor UN; decide by hand")
    return source_kind
