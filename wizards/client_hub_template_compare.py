import difflib
import re

from lxml import etree, html
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import html2plaintext, html_escape

# QWeb attributes whose expression is printed in place of the element's content
OUTPUT_ATTRIBUTES = ("t-out", "t-esc", "t-field", "t-raw")
# unchanged lines shown around each change of the HTML source
SOURCE_CONTEXT_LINES = 2
# below this similarity, a changed line reads better removed and added whole than word
# by word
WORD_DIFF_MIN_RATIO = 0.5


def _get_readable_lines(body):
    """Lines of text a reader sees in a QWeb e-mail body, each placeholder written
    ``{{ expression }}`` and each link ``label (address)``, so that the wording of two
    templates compares whatever their markup and indentation.

    :param str body: QWeb source of a template body
    :rtype: list[str]
    """
    if not body or not body.strip():
        return []
    tree = html.fragment_fromstring(str(body), create_parent="div")
    for element in tree.iter(etree.Element):
        expression = next(
            (element.get(name) for name in OUTPUT_ATTRIBUTES if element.get(name)),
            None,
        )
        if expression:
            for child in list(element):
                element.remove(child)
            element.text = f"{{{{ {expression} }}}}"
        if element.tag == "a":
            if element.get("t-att-href"):
                address = f"{{{{ {element.get('t-att-href')} }}}}"
            else:
                address = element.get("t-attf-href") or element.get("href")
            if address:
                element.tail = f" ({address}){element.tail or ''}"
    text = html2plaintext(
        etree.tostring(tree, encoding="unicode"), include_references=False
    )
    return [line.strip() for line in text.splitlines() if line.strip()]


def _get_source_lines(body):
    """Lines of a template body's HTML source, one tag per line, so that a body saved
    on one line by the editor compares with an indented one.

    :rtype: list[str]
    """
    source = re.sub(r">\s*<", ">\n<", str(body or "").strip())
    return [line.strip() for line in source.splitlines() if line.strip()]


def _diff_words(old, new):
    """:return: Markup rows showing how line ``old`` became ``new``: one row with the
    words dropped in ``<del>`` and those added in ``<ins>`` when the lines are alike,
    else the old line removed and the new one added; every piece of text escaped"""
    old_words, new_words = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    if matcher.ratio() < WORD_DIFF_MIN_RATIO:
        return _diff_whole_lines([old], [new])
    parts = []
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        removed = "".join(old_words[old_start:old_end])
        added = "".join(new_words[new_start:new_end])
        if tag == "equal":
            parts.append(html_escape(added))
            continue
        if removed.strip():
            parts.append(Markup('<del class="text-danger">%s</del>') % removed)
        if added.strip():
            parts.append(Markup('<ins class="text-success">%s</ins>') % added)
    return [Markup("<div>%s</div>") % Markup("").join(parts)]


def _diff_whole_lines(old_lines, new_lines):
    """:return: Markup rows of ``old_lines`` removed and ``new_lines`` added"""
    return [
        Markup('<div><del class="text-danger">%s</del></div>') % line
        for line in old_lines
    ] + [
        Markup('<div><ins class="text-success">%s</ins></div>') % line
        for line in new_lines
    ]


def _diff_lines(old_lines, new_lines, context=None):
    """HTML of the differences between two lists of lines: each line a ``<div>``, lines
    only in ``old_lines`` in ``<del>``, lines only in ``new_lines`` in ``<ins>``, changed
    lines word by word. Every piece of text is escaped: a template's own HTML shows as
    text, never as markup.

    :param int context: unchanged lines kept around each change (None: all of them)
    :return: Markup, empty when the lines are the same
    """
    if old_lines == new_lines:
        return Markup()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    groups = (
        [matcher.get_opcodes()]
        if context is None
        else matcher.get_grouped_opcodes(context)
    )
    rows = []
    for index, opcodes in enumerate(groups):
        if index:
            rows.append(Markup('<div class="text-muted">…</div>'))
        for tag, old_start, old_end, new_start, new_end in opcodes:
            old_part, new_part = (
                old_lines[old_start:old_end],
                new_lines[new_start:new_end],
            )
            if tag == "equal":
                rows.extend(Markup("<div>%s</div>") % line for line in new_part)
            elif tag == "replace" and len(old_part) == len(new_part):
                for old, new in zip(old_part, new_part):
                    rows.extend(_diff_words(old, new))
            else:
                rows.extend(_diff_whole_lines(old_part, new_part))
    return Markup('<div class="font-monospace small">%s</div>') % Markup("").join(rows)


class ClientHubTemplateCompare(models.TransientModel):
    """What a client's own e-mail template changes from the global template of its kind:
    the subject and the wording side by side word by word, and the HTML source."""

    _name = "client_hub.template.compare"
    _description = "Client Template Comparison"

    partner_id = fields.Many2one(
        "res.partner", string="Client", required=True, readonly=True, ondelete="cascade"
    )
    kind = fields.Selection(selection="_selection_kind", required=True, readonly=True)
    lang = fields.Selection(
        selection="_selection_lang",
        string="Language",
        compute="_compute_lang",
        store=True,
        readonly=False,
        help="Templates are translated: the comparison is made in this language.",
    )
    template_id = fields.Many2one(
        "mail.template", string="Client Template", compute="_compute_template_ids"
    )
    global_template_id = fields.Many2one(
        "mail.template", compute="_compute_template_ids"
    )
    subject_diff = fields.Html(compute="_compute_diffs")
    body_diff = fields.Html(compute="_compute_diffs")
    source_diff = fields.Html(compute="_compute_diffs")

    @api.depends("partner_id")
    def _compute_lang(self):
        installed = dict(self._selection_lang())
        for wizard in self:
            wizard.lang = (
                wizard.partner_id.lang
                if wizard.partner_id.lang in installed
                else self.env.lang
            )

    @api.depends("partner_id", "kind")
    def _compute_template_ids(self):
        MailTemplate = self.env["mail.template"]
        for wizard in self:
            wizard.template_id = wizard.partner_id[f"client_{wizard.kind}_template_id"]
            wizard.global_template_id = MailTemplate._client_hub_get_global_template(
                wizard.kind
            )

    @api.depends("template_id", "global_template_id", "lang")
    def _compute_diffs(self):
        for wizard in self:
            client = wizard.template_id.with_context(lang=wizard.lang)
            default = wizard.global_template_id.with_context(lang=wizard.lang)
            wizard.subject_diff = wizard._get_diff_or_same(
                [client.subject] if client.subject else [],
                [default.subject] if default.subject else [],
            )
            wizard.body_diff = wizard._get_diff_or_same(
                _get_readable_lines(client.body_html),
                _get_readable_lines(default.body_html),
            )
            wizard.source_diff = wizard._get_diff_or_same(
                _get_source_lines(client.body_html),
                _get_source_lines(default.body_html),
                context=SOURCE_CONTEXT_LINES,
            )

    @api.model
    def _selection_kind(self):
        return (
            self.env["mail.template"]
            ._fields["client_hub_kind"]
            ._description_selection(self.env)
        )

    @api.model
    def _selection_lang(self):
        return self.env["res.lang"].get_installed()

    @api.model_create_multi
    def create(self, vals_list):
        """Override to open comparisons only to the staff who may edit the client's
        templates, whichever way the wizard is created."""
        wizards = super().create(vals_list)
        for partner in wizards.partner_id:
            partner._check_client_template_tools_access()
        return wizards

    def _get_diff_or_same(self, client_lines, global_lines, context=None):
        """:return: the diff from the global lines to the client's, or a note that the
        client's template says the same"""
        return _diff_lines(global_lines, client_lines, context=context) or (
            Markup('<p class="text-muted">%s</p>')
            % self.env._("Same as the global template.")
        )
