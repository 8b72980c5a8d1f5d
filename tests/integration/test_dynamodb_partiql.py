"""PartiQL through boto3: ExecuteStatement (SELECT/INSERT/UPDATE/DELETE, ? parameters, pages),
BatchExecuteStatement and ExecuteTransaction."""

from __future__ import annotations

import pytest

from tests.helpers import error_of
from tests.integration.test_dynamodb_helpers import create_table, gsi, n, s


@pytest.fixture
def music(ddb):
    create_table(ddb, "Music", hash_key=("Artist", "S"), range_key=("SongTitle", "S"), extra={"Genre": "S"},
                 GlobalSecondaryIndexes=[gsi("by-genre", "Genre", projection="KEYS_ONLY")])
    for artist, song, genre, year in [("Acme", "Alpha", "rock", 2001), ("Acme", "Beta", "pop", 2005),
                                      ("Acme", "Gamma", "rock", 2010), ("Zed", "Omega", "jazz", 1999)]:
        ddb.put_item(TableName="Music", Item={"Artist": s(artist), "SongTitle": s(song), "Genre": s(genre),
                                              "Year": n(year)})
    return "Music"


def run(ddb, statement, *params, **kwargs):
    return ddb.execute_statement(Statement=statement, **({"Parameters": list(params)} if params else {}), **kwargs)


def titles(out) -> list[str]:
    return [i["SongTitle"]["S"] for i in out["Items"]]


def test_select_queries_and_scans(ddb, music):
    assert titles(run(ddb, 'SELECT * FROM "Music" WHERE Artist = ?', s("Acme"))) == ["Alpha", "Beta", "Gamma"]
    assert titles(run(ddb, "SELECT * FROM Music WHERE Artist = 'Acme' AND SongTitle > 'Alpha' ORDER BY SongTitle DESC")) \
        == ["Gamma", "Beta"]
    out = run(ddb, "SELECT SongTitle, \"Year\" FROM Music WHERE Artist = 'Acme' AND \"Year\" BETWEEN 2002 AND 2010")
    assert out["Items"] == [{"SongTitle": s("Beta"), "Year": n(2005)}, {"SongTitle": s("Gamma"), "Year": n(2010)}]
    scanned = run(ddb, "SELECT * FROM Music WHERE Genre = 'rock' OR \"Year\" < 2000")
    assert sorted(titles(scanned)) == ["Alpha", "Gamma", "Omega"]
    assert titles(run(ddb, "SELECT * FROM Music WHERE begins_with(SongTitle, 'G') AND Artist = 'Acme'")) == ["Gamma"]
    assert sorted(titles(run(ddb, "SELECT * FROM Music WHERE Artist IN ['Zed', 'Nobody']"))) == ["Omega"]
    on_index = run(ddb, 'SELECT * FROM "Music"."by-genre" WHERE Genre = ?', s("rock"))
    assert on_index["Items"] == [{"Artist": s("Acme"), "SongTitle": s("Alpha"), "Genre": s("rock")},
                                 {"Artist": s("Acme"), "SongTitle": s("Gamma"), "Genre": s("rock")}]


def test_select_pages_with_next_token(ddb, music):
    seen, token = [], None
    while True:
        out = run(ddb, "SELECT * FROM Music", Limit=3, **({"NextToken": token} if token else {}))
        seen += titles(out)
        token = out.get("NextToken")
        if not token:
            break
    assert sorted(seen) == ["Alpha", "Beta", "Gamma", "Omega"]


def test_insert_update_delete(ddb, music):
    run(ddb, "INSERT INTO Music VALUE {'Artist': ?, 'SongTitle': 'New', 'Tags': <<'a', 'b'>>, 'Meta': {'n': 1}}",
        s("Acme"))
    got = ddb.get_item(TableName="Music", Key={"Artist": s("Acme"), "SongTitle": s("New")})["Item"]
    assert got["Tags"] == {"SS": ["a", "b"]} and got["Meta"] == {"M": {"n": n(1)}}
    assert error_of(run, ddb, "INSERT INTO Music VALUE {'Artist': 'Acme', 'SongTitle': 'New'}") == (
        "DuplicateItemException", "Duplicate primary key exists in table")
    out = run(ddb, "UPDATE Music SET Plays = 1 SET Meta.n = Meta.n + 1 REMOVE Tags "
                   "WHERE Artist = 'Acme' AND SongTitle = 'New' RETURNING ALL NEW *")
    assert out["Items"] == [{"Artist": s("Acme"), "SongTitle": s("New"), "Plays": n(1), "Meta": {"M": {"n": n(2)}}}]
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        run(ddb, "UPDATE Music SET Plays = 2 WHERE Artist = 'Acme' AND SongTitle = 'Nope'")
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        run(ddb, "UPDATE Music SET Plays = 2 WHERE Artist = 'Acme' AND SongTitle = 'New' AND Plays > 5")
    assert error_of(run, ddb, "UPDATE Music SET Plays = 2 WHERE Artist = 'Acme'") == (
        "ValidationException", "Where clause does not contain a mandatory equality on all key attributes")
    old = run(ddb, "DELETE FROM Music WHERE Artist = 'Acme' AND SongTitle = 'New' RETURNING ALL OLD *")
    assert old["Items"][0]["Plays"] == n(1)
    assert "Item" not in ddb.get_item(TableName="Music", Key={"Artist": s("Acme"), "SongTitle": s("New")})


def test_statement_errors(ddb, music):
    assert error_of(run, ddb, "SELEC * FROM Music")[1].startswith("Statement wasn't well formed, can't be processed")
    assert error_of(run, ddb, "DELETE FROM Music WHERE Artist = 'x' AND SongTitle = 'y' RETURNING ALL NEW *") == (
        "ValidationException", "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed "
                               "in DELETE statements.")
    assert error_of(run, ddb, 'SELECT * FROM "Music"."nope" WHERE Artist = \'x\'') == (
        "ValidationException", "The table does not have the specified index")
    assert error_of(run, ddb, 'SELECT * FROM "Music"."by-genre"."x"') == (
        "ValidationException", "A path may contain at most 2 components in the FROM clause")
    assert error_of(run, ddb, 'SELECT * FROM "Music"."by-genre" WHERE Genre = \'rock\'', ConsistentRead=True) == (
        "ValidationException", "Strongly consistent read is not supported on Global Secondary Indexes")
    assert error_of(run, ddb, 'SELECT * FROM "Music"."by-genre" WHERE Genre = \'rock\' AND "Year" = 1') == (
        "ValidationException", "One or more parameter values were invalid: Secondary index by-genre does not project "
                               "one or more filter attributes: [Year]")
    assert error_of(run, ddb, "SELECT * FROM Music WHERE Artist = ?")[0] == "ValidationException"
    assert error_of(run, ddb, "SELECT * FROM Nope WHERE Artist = 'x'")[0] == "ResourceNotFoundException"


@pytest.mark.parametrize("statement", [
    "UPDATE Music SET Tags = list_append(Tags) WHERE Artist = 'x' AND SongTitle = 'y'",
    "UPDATE Music SET Tags = set_add(Tags) WHERE Artist = 'x' AND SongTitle = 'y'",
    "SELECT * FROM Music WHERE Artist = 'x' AND begins_with(SongTitle)",
    "SELECT * FROM Music WHERE Artist = 'x' AND size(SongTitle, Genre) > 1",
])
def test_a_function_with_the_wrong_number_of_operands_is_refused(ddb, music, statement):
    assert error_of(run, ddb, statement)[0] == "ValidationException"


def test_batch_execute_statement(ddb, music):
    out = ddb.batch_execute_statement(Statements=[
        {"Statement": "INSERT INTO Music VALUE {'Artist': 'B', 'SongTitle': 'One'}"},
        {"Statement": "INSERT INTO Music VALUE {'Artist': 'Acme', 'SongTitle': 'Alpha'}"},
        {"Statement": "UPDATE Music SET Genre = 'folk' WHERE Artist = ? AND SongTitle = ?",
         "Parameters": [s("Zed"), s("Omega")]},
    ])["Responses"]
    assert "Error" not in out[0] and out[0]["TableName"] == "Music"
    assert out[1]["Error"]["Code"] == "DuplicateItem"
    assert "Error" not in out[2]
    reads = ddb.batch_execute_statement(Statements=[
        {"Statement": "SELECT * FROM Music WHERE Artist = 'Zed' AND SongTitle = 'Omega'"},
        {"Statement": "SELECT * FROM Music WHERE Artist = 'B' AND SongTitle = 'Missing'"},
    ])["Responses"]
    assert reads[0]["Item"]["Genre"] == s("folk") and "Item" not in reads[1]


def test_execute_transaction(ddb, music):
    ddb.execute_transaction(TransactStatements=[
        {"Statement": "INSERT INTO Music VALUE {'Artist': 'T', 'SongTitle': 'One'}"},
        {"Statement": "UPDATE Music SET Plays = 10 WHERE Artist = 'Acme' AND SongTitle = 'Alpha'"},
    ])
    with pytest.raises(ddb.exceptions.TransactionCanceledException) as err:
        ddb.execute_transaction(TransactStatements=[
            {"Statement": "INSERT INTO Music VALUE {'Artist': 'T', 'SongTitle': 'Two'}"},
            {"Statement": "INSERT INTO Music VALUE {'Artist': 'T', 'SongTitle': 'One'}"},
        ])
    assert [r["Code"] for r in err.value.response["CancellationReasons"]] == ["None", "DuplicateItem"]
    assert "Item" not in ddb.get_item(TableName="Music", Key={"Artist": s("T"), "SongTitle": s("Two")})
    got = ddb.execute_transaction(TransactStatements=[
        {"Statement": "SELECT Plays FROM Music WHERE Artist = 'Acme' AND SongTitle = 'Alpha'"},
        {"Statement": "SELECT * FROM Music WHERE Artist = 'T' AND SongTitle = 'One'"},
    ])["Responses"]
    assert got == [{"Item": {"Plays": n(10)}}, {"Item": {"Artist": s("T"), "SongTitle": s("One")}}]
    assert error_of(ddb.execute_transaction, TransactStatements=[
        {"Statement": "UPDATE Music SET x = 'v' WHERE Artist = 'T' AND SongTitle = 'One' RETURNING ALL NEW *"}]) == (
        "ValidationException", "Validation failed in TransactStatements[0]: RETURNING clause is not supported in "
                               "ExecuteTransaction.")
