"""import_policies: row-numbered errors, all or nothing, idempotent, and export round trips."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from policy.models import Kind, PolicyEntry, Status
from policy.spreadsheet import SpreadsheetError, choice, read_rows

HEADER = (
    "state,title,kind,identifier,session,year,status,enacted_on,topics,summary,source_url,tags\n"
)
IDAHO = (
    "ID,Mastery-based education,Statute,HB 110,2015,2015,in effect,2015-03-19,"
    'seat time;credit-flexibility,"Moves credit from hours to mastery.",'
    "https://legislature.example.gov/hb110,mastery;Idaho\n"
)
LOOKUPS = {
    "states": {"ID", "OH"},
    "kinds": Kind.choices,
    "statuses": Status.choices,
    "topics": {"seat-time": "seat-time", "seat time": "seat-time",
               "credit-flexibility": "credit-flexibility"},
}  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Statute", "statute"), ("budget provision", "budget"), ("BOARD_RULE", "board_rule"),
     ("board-rule", "board_rule"), ("Pilot program", "pilot"), ("law", None)],
)  # fmt: skip
def test_kinds_are_read_from_values_or_labels(value, expected):
    assert choice(value, Kind.choices) == expected


def test_a_good_row_is_read():
    (row,), notes = read_rows(HEADER + IDAHO, **LOOKUPS)
    assert (row.state, row.kind, row.status, row.year) == ("ID", "statute", "in_effect", 2015)
    assert row.topics == ["seat-time", "credit-flexibility"]
    assert row.tags == ["mastery", "Idaho"]
    assert notes == []


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("ZZ,T,statute,,,2015,signed,,,S,,\n", "row 2: unknown state 'ZZ'"),
        ("ID,T,law,,,2015,signed,,,S,,\n", "row 2: unknown kind 'law'"),
        ("ID,T,statute,,,2015,maybe,,,S,,\n", "row 2: unknown status 'maybe'"),
        ("ID,T,statute,,,20x5,signed,,,S,,\n", "row 2: year '20x5' is not a year"),
        ("ID,T,statute,,,2015,signed,2015-02-30,,S,,\n", "row 2: enacted_on: date '2015-02-30'"),
        ("ID,T,statute,,,2015,signed,,nope,S,,\n", "row 2: unknown topic 'nope'"),
        ("ID,T,statute,,,2015,signed,,,,,\n", "row 2: summary is empty"),
        ("ID,T,statute,,,2015,signed,,,S,ftp://x,\n", "row 2: source_url 'ftp://x'"),
    ],
)
def test_bad_rows_are_named_by_number(row, problem):
    with pytest.raises(SpreadsheetError) as error:
        read_rows(HEADER + row, **LOOKUPS)
    assert any(line.startswith(problem) for line in error.value.problems), error.value.problems


def test_every_bad_row_is_reported_at_once():
    text = HEADER + IDAHO + "ZZ,T,statute,,,2015,signed,,,S,,\n" + "OH,T,law,,,2015,signed,,,S,,\n"
    with pytest.raises(SpreadsheetError) as error:
        read_rows(text, **LOOKUPS)
    assert [p.split(":")[0] for p in error.value.problems] == ["row 3", "row 4"]


def test_missing_columns_and_duplicates():
    with pytest.raises(SpreadsheetError, match="row 1: missing column"):
        read_rows("state,title\nID,T\n", **LOOKUPS)
    with pytest.raises(SpreadsheetError, match="row 3: same entry as row 2"):
        read_rows(HEADER + IDAHO + IDAHO, **LOOKUPS)


def test_the_export_quote_before_formulas_is_undone():
    row = "ID,'=Formula title,statute,,,2015,signed,,,S,,\n"
    (entry,), _ = read_rows(HEADER + row, **LOOKUPS)
    assert entry.title == "=Formula title"


def test_a_cell_past_the_csv_limit_names_its_row():
    huge = "x" * (csv.field_size_limit() + 1)
    text = HEADER + IDAHO + f'OH,T,statute,,,2015,signed,,,"{huge}",,\n'
    with pytest.raises(SpreadsheetError) as error:
        read_rows(text, **LOOKUPS)
    limit = f"{csv.field_size_limit():,}"
    assert error.value.problems == [f"row 3: a cell is longer than {limit} characters"]


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        ({"identifier": "H" * 61}, "row 2: identifier is longer than 60 characters"),
        ({"session": "2" * 41}, "row 2: session is longer than 40 characters"),
        ({"title": "T" * 301}, "row 2: title is longer than 300 characters"),
        ({"source_url": "https://x.example/" + "a" * 1000}, "row 2: source_url is longer"),
        ({"tags": "short;" + "t" * 101}, "row 2: a tag is longer than 100 characters"),
    ],
)
def test_cells_longer_than_their_columns_are_named(cells, problem):
    row = {"state": "ID", "title": "T", "kind": "statute", "year": "2015", "status": "signed"}
    row |= {"summary": "S", **cells}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*row])
    writer.writeheader()
    writer.writerow(row)
    with pytest.raises(SpreadsheetError) as error:
        read_rows(out.getvalue(), **LOOKUPS)
    assert any(line.startswith(problem) for line in error.value.problems), error.value.problems


@pytest.mark.django_db
class TestCommand:
    def run(self, path, **options):
        out = io.StringIO()
        call_command("import_policies", str(path), stdout=out, **options)
        return out.getvalue()

    def write(self, tmp_path, text, name="entries.csv"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    def test_import_creates_then_changes_nothing(self, tmp_path):
        path = self.write(tmp_path, HEADER + IDAHO)
        assert "created: 1, updated: 0, unchanged: 0" in self.run(path)
        entry = PolicyEntry.objects.get(identifier="HB 110")
        assert entry.state.code == "ID" and entry.is_public
        assert sorted(entry.topics.values_list("slug", flat=True)) == [
            "credit-flexibility",
            "seat-time",
        ]
        assert entry.sources.get().url == "https://legislature.example.gov/hb110"
        assert "created: 0, updated: 0, unchanged: 1" in self.run(path)
        assert PolicyEntry.objects.count() == 1

    def test_a_changed_row_updates_its_entry(self, tmp_path):
        self.run(self.write(tmp_path, HEADER + IDAHO))
        changed = IDAHO.replace("Moves credit from hours to mastery.", "A new summary.")
        assert "updated: 1" in self.run(self.write(tmp_path, HEADER + changed, "again.csv"))
        assert PolicyEntry.objects.get().summary == "A new summary."

    def test_any_bad_row_imports_nothing(self, tmp_path):
        path = self.write(tmp_path, HEADER + IDAHO + "ZZ,T,statute,,,2015,signed,,,S,,\n")
        with pytest.raises(CommandError, match=r"nothing was imported\.\nrow 3: unknown state"):
            self.run(path)
        assert not PolicyEntry.objects.exists()

    def test_dry_run_writes_nothing(self, tmp_path):
        output = self.run(self.write(tmp_path, HEADER + IDAHO), dry_run=True)
        assert output.startswith("Dry run (nothing written). created: 1")
        assert not PolicyEntry.objects.exists()

    def test_unreadable_files_are_clear_errors(self, tmp_path):
        with pytest.raises(CommandError, match="no such file"):
            self.run(tmp_path / "missing.csv")
        latin = tmp_path / "latin.csv"
        latin.write_bytes((HEADER + IDAHO).encode() + b"ID,Caf\xe9,statute,,,2015,signed,,,S,,\n")
        with pytest.raises(CommandError, match=r"latin\.csv, line 3: not UTF-8"):
            self.run(latin)

    def test_the_sites_own_export_imports_back_unchanged(self, client, tmp_path):
        self.run(self.write(tmp_path, HEADER + IDAHO))
        exported = client.get("/policy/export.csv")
        text = b"".join(exported.streaming_content).decode()
        assert next(iter(csv.DictReader(io.StringIO(text))))["identifier"] == "HB 110"
        assert "unchanged: 1" in self.run(self.write(tmp_path, text, "export.csv"))

    def test_a_huge_cell_stops_the_import_with_its_row(self, tmp_path):
        huge = "x" * (csv.field_size_limit() + 1)
        path = self.write(tmp_path, HEADER + IDAHO + f'OH,T,statute,,,2015,signed,,,"{huge}",,\n')
        with pytest.raises(CommandError, match=r"nothing was imported\.\nrow 3: a cell is longer"):
            self.run(path)
        assert not PolicyEntry.objects.exists()

    def test_over_long_cells_stop_the_import(self, tmp_path):
        long_id = IDAHO.replace("HB 110", "HB " + "1" * 80)
        path = self.write(tmp_path, HEADER + long_id)
        with pytest.raises(CommandError, match="row 2: identifier is longer than 60 characters"):
            self.run(path)
        assert not PolicyEntry.objects.exists()

    def test_files_that_cannot_be_read_are_named(self, tmp_path):
        with pytest.raises(CommandError, match="is a directory"):
            self.run(tmp_path)
        unreadable = tmp_path / "entries.csv"
        unreadable.symlink_to("/proc/self/mem")  # exists, but reading it fails (EIO)
        with pytest.raises(CommandError, match=r"entries\.csv: cannot be read"):
            self.run(unreadable)
        assert not PolicyEntry.objects.exists()
