"""Structured data (schema.org JSON-LD) for one page, built from the same data as the page.

Templates call ``{{ jsonld() }}`` at the end of ``<body>`` (after the body and
the reference list rendered, so every citation of the page is known).  The
graph is built as Python dicts and serialised with :func:`json.dumps`; ``<``,
``>`` and ``&`` are escaped as ``\\u003c`` etc. so no value can close the
``<script>`` element.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from markupsafe import Markup

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain_text(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", str(fragment)))).strip()


def dumps(value: Any) -> str:
    """JSON safe to place inside ``<script>``: no ``</``, ``<!--`` or ``]]>`` can appear."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def person(p: Any) -> dict[str, Any] | None:
    if p is None or not getattr(p, "name", ""):
        return None
    kind = "Organization" if any(w in p.name.lower() for w in ("team", "editor", "board")) else "Person"
    node: dict[str, Any] = {"@type": kind, "name": p.name}
    if getattr(p, "credentials", "") and kind == "Person":
        node["honorificSuffix"] = p.credentials
    if getattr(p, "url", ""):
        node["url"] = p.url
    return node


def citation(record: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": "CreativeWork", "name": str(record.get("title", ""))}
    if record.get("url"):
        node["url"] = str(record["url"])
    if record.get("authors"):
        node["author"] = str(record["authors"])
    if record.get("publisher"):
        node["publisher"] = {"@type": "Organization", "name": str(record["publisher"])}
    if record.get("year"):
        node["datePublished"] = str(record["year"])
    if record.get("doi"):
        node["sameAs"] = f"https://doi.org/{record['doi']}"
    return node


def breadcrumb_list(page: Any, config: Any) -> dict[str, Any] | None:
    if not page.breadcrumbs:
        return None
    return {"@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": i, "name": crumb.title, "item": config.absolute_url(crumb.url)}
        for i, crumb in enumerate(page.breadcrumbs, 1)]}


def faq_page(ctx: Any) -> dict[str, Any] | None:
    """The FAQs the page shows, with answers rendered exactly as the visible text (minus citation marks)."""
    shown = {rid for collection, rid in ctx.shown if collection == "faqs"}
    if not shown:
        return None
    entities = []
    for record in ctx.site.data.collection("faqs"):
        if record.id not in shown:
            continue
        q = record.data
        answer = plain_text(ctx.renderer.markdown.snippet(q.get("answer", "")))
        entities.append({"@type": "Question", "name": str(q.get("question", "")),
                         "acceptedAnswer": {"@type": "Answer", "text": answer}})
    return {"@type": "FAQPage", "mainEntity": entities}


def _spec(config: Any) -> dict[str, Any]:
    spec = config.extra.get("structured_data")
    return spec if isinstance(spec, dict) else {}


def about(ctx: Any) -> dict[str, Any] | None:
    """What the page is about, as site.yaml's ``structured_data`` says for its kind or its
    record's collection (the engine itself knows no medical vocabulary)."""
    page, spec = ctx.page, _spec(ctx.site.config)
    if page.record is not None:
        rule = (spec.get("collections") or {}).get(page.record.collection)
        if isinstance(rule, dict) and rule.get("type"):
            rec = page.record.data
            node = {"@type": str(rule["type"]), "name": str(rec.get(rule.get("name", "name"), page.record.id))}
            if rule.get("description") and rec.get(rule["description"]):
                node["description"] = plain_text(ctx.renderer.markdown.snippet(rec[rule["description"]], inline=True))
            if rule.get("alternate_name") and rec.get(rule["alternate_name"]):
                node["alternateName"] = str(rec[rule["alternate_name"]])
            return node
    rule = (spec.get("page_kinds") or {}).get(page.kind)
    if isinstance(rule, dict) and rule.get("type"):
        node = {"@type": str(rule["type"]), "name": str(page.meta.get("condition") or page.title)}
        topic = rule.get("topic")
        if page.topic and isinstance(topic, dict) and topic.get("property") and topic.get("type"):
            node[str(topic["property"])] = {"@type": str(topic["type"]), "name": page.topic}
        return node
    return None


def audience_node(audience: Any) -> dict[str, Any]:
    """``audience: Patient`` -> schema.org ``audience``; a mapping names the property and type
    (``{property: medicalAudience, type: MedicalAudience, audienceType: Patient}``), so a site
    can use a specialised vocabulary without the engine knowing it."""
    if isinstance(audience, dict):
        return {str(audience.get("property", "audience")): {"@type": str(audience.get("type", "Audience")),
                                                            "audienceType": str(audience["audienceType"])}}
    return {"audience": {"@type": "Audience", "audienceType": str(audience)}}


def graph(ctx: Any) -> dict[str, Any]:
    page, config = ctx.page, ctx.site.config
    url = config.absolute_url(page.url)
    home = config.absolute_url("/")
    nodes: list[dict[str, Any]] = []
    topic = about(ctx)
    spec = _spec(config)
    kind = str(spec.get("page_type") or "WebPage") if topic is not None else "WebPage"
    web_page: dict[str, Any] = {
        "@type": kind, "@id": url + "#page", "url": url, "name": page.title,
        "inLanguage": config.language,
        "isPartOf": {"@type": "WebSite", "@id": home + "#website", "name": config.title, "url": home},
    }
    description = page.description or config.description
    if description:
        web_page["description"] = plain_text(description)
    if topic is not None:
        web_page["about"] = topic
        if spec.get("audience"):
            web_page.update(audience_node(spec["audience"]))
    if page.last_reviewed:
        web_page["lastReviewed"] = page.last_reviewed.isoformat()
    # reviewedBy claims a medical review: only a reviewer recorded as a clinician gives one
    reviewer = page.reviewer if page.reviewer is not None and page.reviewer.clinical else None
    for key, who in (("author", page.author), ("reviewedBy", reviewer)):
        node = person(who)
        if node:
            web_page[key] = node
    cited = [citation(entry.record.data) for entry in ctx.citations.ordered()]
    if cited:
        web_page["citation"] = cited
    if page.url == "/":
        website: dict[str, Any] = {"@type": "WebSite", "@id": home + "#website", "url": home,
                                   "name": config.title, "inLanguage": config.language}
        if config.description:
            website["description"] = config.description
        if ctx.site.by_url("/search/") is not None:
            website["potentialAction"] = {
                "@type": "SearchAction",
                "target": {"@type": "EntryPoint",
                           "urlTemplate": config.absolute_url("/search/") + "?q={search_term_string}"},
                "query-input": "required name=search_term_string"}
        nodes.append(website)
    nodes.append(web_page)
    for extra in (breadcrumb_list(page, config), faq_page(ctx)):
        if extra:
            nodes.append(extra)
    return {"@context": "https://schema.org", "@graph": nodes}


def script_for(ctx: Any) -> Markup:
    """``<script type="application/ld+json">`` for the page *ctx* (a PageContext) renders;
    templates call it as ``{{ jsonld() }}``.  The 404 page describes nothing."""
    if ctx.page.kind == "404":
        return Markup("")
    return Markup('<script type="application/ld+json">' + dumps(graph(ctx)) + "</script>")
