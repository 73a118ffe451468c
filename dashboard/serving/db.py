"""Read-only access to the DuckDB file.

A `Snapshot` is one published database file, opened read-only with external access off, so no query can
read or write anything but that file. Each query runs on its own cursor, which makes concurrent
Streamlit sessions safe on one shared snapshot.

Republishing: the build writes a new file and moves it over the old one (`os.replace`), so the path
then names a new file (a new inode) while the old one lives on for whoever still holds it. `Published`
notices the change on the next `current()` and opens a new snapshot; a page run that already holds the old
one finishes on it undisturbed, and the old file is closed when the last holder lets it go.

Why ATTACH and not `duckdb.connect(path)`: DuckDB keeps one database instance per path in each process,
so connecting to the same path again returns the *old* file as long as any connection to it is open.
An in-memory connection that attaches the file is its own instance and always reads the file the path
names now.

The snapshot also keeps its own descriptor of the file it opened, so the "DuckDB database" download
serves exactly the bytes the pages read, even after the path was replaced or deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc

ALIAS = "published"  # the name the attached file has inside its connection
DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


class DatabaseMissing(Exception):
    """No database file can be opened at the configured path; the message is safe to show."""


def _open_attached(path: Path) -> duckdb.DuckDBPyConnection:
    # One thread per query: the server answers many sessions at once, and at these sizes a second thread per
    # query costs more CPU (benchmarks/bench_queries.py: about a fifth more per page) than the time it saves.
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False,
                                             "autoload_known_extensions": False, "threads": 1})
    try:
        con.execute(f"ATTACH $path AS {ALIAS} (READ_ONLY)", {"path": str(path)})
        con.execute(f"USE {ALIAS}")
        # Only now, after the one file is attached: no file or network access, and no way to turn it back on.
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


@dataclass(eq=False)
class Snapshot:
    """One published database file: its connection, its identity and a descriptor for downloading it."""

    path: Path
    con: duckdb.DuckDBPyConnection
    identity: tuple[int, int, int, int]  # device, inode, size, mtime in ns
    data_version: str
    _fd: int = field(repr=False, default=-1)
    _once: dict = field(repr=False, default_factory=dict)
    _threads: threading.local = field(repr=False, default_factory=threading.local)

    @classmethod
    def open(cls, path: Path) -> Snapshot:
        path = Path(path)
        for _ in range(5):  # a build may replace the file between the two opens below; then try again
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError as err:
                raise DatabaseMissing(f"no database file at {path}") from err
            try:
                con = _open_attached(path)
            except BaseException:
                os.close(fd)
                raise
            st = os.fstat(fd)
            try:
                same = os.stat(path).st_ino == st.st_ino
            except FileNotFoundError:
                same = False
            if same:
                identity = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
                row = _cursor_fetch_one(con, "SELECT data_version FROM build_info LIMIT 1")
                version = f"{row[0] if row else 'unknown'}@{st.st_ino}.{st.st_mtime_ns}"
                return cls(path, con, identity, version, fd)
            con.close()
            os.close(fd)
        raise DatabaseMissing(f"the database file at {path} kept changing while it was being opened")

    def once(self, name: str, compute):
        """`compute()` the first time `name` is asked of this file, its stored result after: for what depends on
        the file alone (its build_info row, its "data as of" date, its theme totals), never on a filter. The file
        is read-only, so the result can only change with a new file, which is a new snapshot."""
        if name not in self._once:
            self._once[name] = compute()
        return self._once[name]

    def is_current(self) -> bool:
        """Whether the path still names the file this snapshot opened, unchanged."""
        try:
            st = os.stat(self.path)
        except OSError:
            return False
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) == self.identity

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self.con.cursor()
        cur.execute(f"USE {ALIAS}")  # a cursor starts on the in-memory catalogue
        return cur

    def query_cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor for whole-result queries (db.fetch, fetch_one, fetch_record), opened on the file once
        per thread rather than per query (a `USE` per cursor costs about as much as a small query). A cursor serves
        one thread at a time, and each of these queries is read to its end before the next one starts; anything
        that streams a result (exports) takes its own `cursor()`."""
        cur = getattr(self._threads, "cursor", None)
        if cur is None:
            cur = self._threads.cursor = self.cursor()
        return cur

    def file_size(self) -> int:
        """The size of the file this snapshot reads, after checking it is still whole (cheap: no full read).
        Raises DatabaseMissing when it was cut short or overwritten in place since it was opened."""
        size = self.identity[2]
        st = os.fstat(self._fd)
        if st.st_size != size or st.st_mtime_ns != self.identity[3]:
            raise DatabaseMissing("the database file was changed in place since it was opened")
        if os.pread(self._fd, 12, 0)[8:12] != DUCKDB_MAGIC:
            raise DatabaseMissing("the database file is not complete")
        return size

    def file_bytes(self) -> bytes:
        """The bytes of the file this snapshot reads (not whatever the path names now). Raises
        DatabaseMissing when the file was cut short or overwritten in place since it was opened."""
        size = self.file_size()
        payload = os.pread(self._fd, size, 0)
        if len(payload) != size or payload[8:12] != DUCKDB_MAGIC:
            raise DatabaseMissing("the database file is not complete")
        return payload

    def close(self) -> None:
        self.con.close()
        self.__del__()

    def __del__(self):  # the last page run holding this snapshot has finished
        if self._fd >= 0:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = -1


class Published:
    """The snapshot of the file a path names now, reopened when the file is replaced. Thread-safe."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    def current(self) -> Snapshot:
        snap = self._snapshot
        if snap is not None and snap.is_current():
            return snap
        with self._lock:
            snap = self._snapshot
            if snap is not None and snap.is_current():
                return snap
            try:
                fresh = Snapshot.open(self.path)
            except (DatabaseMissing, duckdb.Error):
                if snap is not None:  # keep serving the last good file rather than nothing
                    return snap
                raise
            self._snapshot = fresh  # the old snapshot closes when the last page run holding it ends
            return fresh


def connect(path: Path) -> Snapshot:
    """One read-only snapshot of the database file at `path` (commands, tests, the benchmark)."""
    return Snapshot.open(Path(path))


def _handed_on(con, name: str):
    """The wrapper's own `name` method (the UI layer's caching wrapper answers queries itself), or None for a
    Snapshot or a plain DuckDB connection."""
    own = getattr(con, name, None)
    return own if own is not None and not isinstance(con, (Snapshot, duckdb.DuckDBPyConnection)) else None


def _read(con, sql: str, params, read):
    """`read(cursor)` of the query run on the cursor `con` keeps for whole-result reads (`query_cursor()`: a
    Snapshot's, one per thread; the build's default views, one in all), or on a fresh cursor of anything else with
    `cursor()` (closed after reading)."""
    kept = getattr(con, "query_cursor", None)
    if kept is not None:
        return read(kept().execute(sql, params or []))
    cur = con.cursor()
    try:
        return read(cur.execute(sql, params or []))
    finally:
        cur.close()


def _cursor_fetch_one(con: duckdb.DuckDBPyConnection, sql: str, params=None):
    cur = con.cursor()
    try:
        cur.execute(f"USE {ALIAS}")
        return cur.execute(sql, params or []).fetchone()
    finally:
        cur.close()


def result_key(sql: str, params: list | dict | None = None) -> str:
    """The name of a query's result: its exact SQL text and bound values (their types included: a date and its
    ISO string differ). What serving.default_views stores a build-time result under."""
    values = sorted(params.items()) if isinstance(params, dict) else list(params or [])
    return hashlib.sha256(f"{sql}\0{values!r}".encode()).hexdigest()


def columns_key(sql: str, params: list | dict | None = None) -> str:
    """The name of a query's result as fetch_columns gives it (stored apart from the frame `fetch` gives)."""
    return "columns:" + result_key(sql, params)


def encode_frame(frame: pd.DataFrame) -> bytes:
    """A frame as an Arrow IPC stream with pandas' metadata, so decode_frame gives back the same dtypes and index (a
    RangeIndex as one, in the metadata alone: stored as a column, it would come back as an index of int64). For
    a frame `fetch` builds from DuckDB's numpy arrays, fetch_encoded stores those arrays instead (encode_columns)."""
    table = pa.Table.from_pandas(frame, preserve_index=None)
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def decode_frame(payload: bytes) -> pd.DataFrame:
    """The frame of a payload of fetch_encoded: built from the stored arrays as `fetch` builds it from DuckDB's (the
    same code, on the same arrays), or, stored by encode_frame, as pandas' metadata says."""
    table = pa.ipc.open_stream(payload).read_all()
    text = (table.schema.metadata or {}).get(_FRAME_TEXT)
    if text is None:
        return table.to_pandas()
    # A copy is consolidated (its columns of one dtype in one block, and known to be): each caller's copy of the
    # decoded frame (db.fetch) then costs what a copy of pandas' own conversion costs, less than half of a copy of the
    # frame as built, which consolidates anew every time.
    return _fetched_frame(_columns_of(table), json.loads(text)).copy()


# The numpy dtypes (by kind) fetch_columns results are stored with: what DuckDB's fetchnumpy gives for text, dates,
# numbers and booleans. Other columns (lists, structs, time zones) are not stored: the query runs (StoredColumnsRefused).
_STORED_KINDS = "OMiufb"
# The key of a payload's metadata saying it holds the arrays `fetch` builds a frame of: which of them are text.
_FRAME_TEXT = b"frame text"


class StoredColumnsRefused(TypeError):
    """A fetch_columns result holding a column that encode_columns cannot give back exactly."""


def _text_array(data: np.ndarray, mask: np.ndarray, text: bool) -> pa.Array | None:
    """An object column as Arrow text, or None when it holds anything but text among its values (`text`: the query
    says the column is text, VARCHAR, so every value is a str). Arrow's own reading of the values tells text from
    other objects (bytes, numbers, lists), as a check of every value in Python would, at a fraction of the cost."""
    try:
        array = pa.array(data, mask=mask, type=pa.string() if text else None)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, ValueError, TypeError):
        return None
    if array.null_count != np.count_nonzero(mask):  # a None outside the mask would come back masked
        return None
    if pa.types.is_null(array.type):  # no value (no row, or NULL in each): text of no value
        return pa.nulls(len(data), type=pa.string())
    return array if pa.types.is_string(array.type) else None


def encode_columns(columns: dict[str, np.ndarray], frame_text: list[bool] | None = None) -> bytes:
    """A fetch_columns result as an Arrow IPC stream, each column's numpy dtype kept, so decode_columns gives back the
    same arrays: the same dtypes, a masked array exactly where a column holds NULLs, the same values elsewhere.
    `frame_text`: for the arrays `fetch` builds a frame of (fetch_encoded), which columns the query says are text;
    decode_frame then builds that frame of them."""
    arrays, dtypes = [], {}
    for i, (name, values) in enumerate(columns.items()):
        data, mask = np.ma.getdata(values), np.ma.getmaskarray(values)
        array = (None if data.dtype.kind not in _STORED_KINDS else
                 _text_array(data, mask, bool(frame_text and frame_text[i])) if data.dtype.kind == "O" else
                 pa.array(data, mask=mask))
        if array is None:
            raise StoredColumnsRefused(f"column {name!r} of dtype {data.dtype} is not stored")
        arrays.append(array)
        dtypes[name] = [data.dtype.str, isinstance(values, np.ma.MaskedArray)]
    metadata = {b"numpy": json.dumps(dtypes)}
    if frame_text is not None:
        metadata[_FRAME_TEXT] = json.dumps(frame_text)
    table = pa.Table.from_arrays(arrays, names=list(columns), metadata=metadata)
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def decode_columns(payload: bytes) -> dict[str, np.ndarray]:
    return _columns_of(pa.ipc.open_stream(payload).read_all())


def _columns_of(table: pa.Table) -> dict[str, np.ndarray]:
    dtypes = json.loads(table.schema.metadata[b"numpy"])
    out: dict[str, np.ndarray] = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        dtype, masked = np.dtype(dtypes[name][0]), dtypes[name][1]
        array = column.combine_chunks()
        mask = array.is_null().to_numpy(zero_copy_only=False)
        if dtype.kind == "O":
            data = np.empty(len(array), dtype=object)
            data[:] = array.to_pylist()
        elif dtype.kind == "M":
            data = array.to_numpy(zero_copy_only=False).astype(dtype)
        else:
            data = array.fill_null(False if dtype.kind == "b" else 0).to_numpy(zero_copy_only=False).astype(dtype)
        out[name] = np.ma.MaskedArray(data, mask=mask) if masked else data
    return out


DEFAULT_VIEWS_TABLE = "default_view_results"  # written by serving.default_views at build time


def stored_results(snapshot: Snapshot) -> dict[str, bytes]:
    """The results the build stored for the default views of this file (serving.default_views), by result_key;
    none when the file has no such table (a file built by older code)."""
    def read(s: Snapshot) -> dict[str, bytes]:
        cur = s.cursor()
        try:
            found = cur.execute("SELECT 1 FROM duckdb_tables() WHERE database_name = $db AND table_name = $t",
                                {"db": ALIAS, "t": DEFAULT_VIEWS_TABLE}).fetchone()
            return dict(cur.execute(f"SELECT key, payload FROM {DEFAULT_VIEWS_TABLE}").fetchall()) if found else {}
        finally:
            cur.close()
    return snapshot.once("default view results", lambda: read(snapshot))


def fetch(con, sql: str, params: list | dict | None = None) -> pd.DataFrame:
    """Run one parameterized query and return its rows (_read says on which cursor). `con` is a Snapshot, or anything
    with the same `cursor()` (the UI layer's caching wrapper overrides `fetch` itself). On a Snapshot, a query of
    a default view reads the result the build stored for that very query (serving.default_views)."""
    own = _handed_on(con, "fetch")
    if own is not None:
        return own(sql, params)
    frame = _stored_result(con, result_key(sql, params), decode_frame)
    return frame.copy() if frame is not None else _read(con, sql, params, _frame)


def _stored_result(con, key: str, decode):
    """What the build stored under `key` (result_key, columns_key) in the file a Snapshot reads, decoded once per
    file (Snapshot.once: decoding costs about twenty times a copy of the result, and the file never changes), or
    None: another connection, a file without stored results, or a query no default view asks. The caller hands
    on a copy, so that no page can change what the next one reads."""
    if not isinstance(con, Snapshot):
        return None
    stored = stored_results(con)
    payload = stored.get(key) if stored else None
    return None if payload is None else con.once(f"decoded {key}", lambda: decode(payload))


# Result column types whose frame `fetch` builds from DuckDB's numpy arrays, giving the frame DuckDB's `df()` gives for
# them at less cost (it skips a copy of every column; about a third of a millisecond per page table): text, dates,
# whole and floating-point numbers, booleans. A result with any other type (lists, structs, decimals, timestamps)
# is built by `df()` itself.
_NUMPY_FRAME_TYPES = frozenset({"VARCHAR", "DATE", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "FLOAT", "DOUBLE",
                                "BOOLEAN"})


def _fetched_text(cur: duckdb.DuckDBPyConnection) -> list[bool] | None:
    """Which columns of the query's result are text, when `fetch` builds its frame from DuckDB's numpy arrays (every
    column of a type _NUMPY_FRAME_TYPES names, each name once); None when `df()` builds it."""
    names = [d[0] for d in cur.description or []]
    types = [str(d[1]) for d in cur.description or []]
    if not names or len(set(names)) < len(names) or not _NUMPY_FRAME_TYPES.issuperset(types):
        return None
    return [kind == "VARCHAR" for kind in types]


def _fetched_frame(columns: dict[str, np.ndarray], text: list[bool]) -> pd.DataFrame:
    """The frame `fetch` gives for a result of these arrays (fetchnumpy's, or decode_columns' of them)."""
    return frame_of({name: as_fetched(values, text=is_text)  # type: ignore[misc]  # (nullable arrays pass)
                     for (name, values), is_text in zip(columns.items(), text, strict=True)})


def _frame(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The frame of a query's result, as `cur.df()` gives it. Where a column holds NULLs, `df()` makes integers and
    booleans pandas' nullable types and text that is NULL in every row a column of None: so does this."""
    text = _fetched_text(cur)
    return cur.df() if text is None else _fetched_frame(cur.fetchnumpy(), text)


def _frame_and_payload(cur: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, bytes]:
    text = _fetched_text(cur)
    if text is None:
        frame = cur.df()
        return frame, encode_frame(frame)
    columns = cur.fetchnumpy()
    try:
        payload = encode_columns(columns, frame_text=text)  # before the frame is built on these very arrays
    except StoredColumnsRefused:  # no column of these types is refused; were one, the frame is stored as it is
        payload = None
    frame = _fetched_frame(columns, text)
    return frame, payload if payload is not None else encode_frame(frame)


def fetch_encoded(con, sql: str, params: list | dict | None = None) -> tuple[pd.DataFrame, bytes]:
    """The frame `fetch` gives of a query run on `con` (_read), and that frame stored (serving.default_views): the
    numpy arrays `fetch` builds it of, which decode_frame builds it of again with the same code. That costs less than
    half of storing the frame itself (encode_frame, pandas' conversion of every column to Arrow)."""
    return _read(con, sql, params, _frame_and_payload)


def as_fetched(values: np.ndarray, text: bool):
    """A fetchnumpy column as `cur.df()` makes it where it holds NULLs: integers and booleans in pandas' nullable
    types, and `text` that is NULL in every row a column of None; anything else as it is (frame_of takes it)."""
    if not isinstance(values, np.ma.MaskedArray):
        return values
    mask = np.ma.getmaskarray(values)
    if not mask.any():
        return values.data
    if text and mask.all():
        return np.full(len(values), None, dtype=object)
    if values.dtype.kind in "iu":
        return pd.arrays.IntegerArray(values.data, mask)
    if values.dtype.kind == "b":
        return pd.arrays.BooleanArray(values.data, mask)
    return values


def fetch_columns(con, sql: str, params: list | dict | None = None) -> dict[str, np.ndarray]:
    """A query's result as {column: array} (DuckDB's fetchnumpy: a masked array where a column holds NULLs), for a
    caller that cuts one small result into several frames with frame_of instead of asking the database twice
    (building a frame costs about as much as a small query, and pandas' own row and column cuts cost more). On a
    Snapshot, a query of a default view reads the columns the build stored for it (encode_columns), as `fetch` does."""
    own = _handed_on(con, "fetch_columns")
    if own is not None:
        return own(sql, params)
    columns = _stored_result(con, columns_key(sql, params), decode_columns)
    if columns is not None:
        return {name: values.copy() for name, values in columns.items()}
    return _read(con, sql, params, lambda cur: cur.fetchnumpy())


def frame_of(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """The frame `fetch` gives for a result of these columns (from fetch_columns, or cut from them). DuckDB builds
    it with `DataFrame.from_dict` of the same arrays; this builds the same frame on the arrays themselves, without
    copying them first (about 40 % less work at a few rows; they are the caller's own, fetched for this frame
    alone). Where a column holds NULLs, DuckDB turns integers and booleans into pandas' nullable types, NULLs
    among other objects than text into pd.NA, and text that is NULL in every row into None: such a column is
    refused here rather than given another dtype. No TIMESTAMPTZ either (DuckDB adds its time zone)."""
    plain = {}
    for name, values in columns.items():
        if isinstance(values, np.ma.MaskedArray):
            if not np.ma.getmaskarray(values).any():
                values = values.data
            elif values.dtype.kind not in "OMf" or (values.dtype.kind == "O" and not (
                    values.count() and all(isinstance(v, str) for v in values.compressed()))):
                raise TypeError(f"column {name!r}: NULLs in a {values.dtype} column, which fetch gives another dtype")
        plain[name] = values
    return pd.DataFrame(plain, copy=False)


def fetch_one(con, sql: str, params: list | dict | None = None):
    own = _handed_on(con, "fetch_one")
    return own(sql, params) if own is not None else _read(con, sql, params, lambda cur: cur.fetchone())


def _boxed(value):
    """A value of a fetched row as `DataFrame.iloc[0].to_dict()` gives it from `fetch`: dates as pandas Timestamps,
    lists as object arrays, NULL as None; so a record read by fetch_record is the same as one read by fetch."""
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    if isinstance(value, list):
        return np.array(value, dtype=object)
    return value


def fetch_record(con, sql: str, params: list | dict | None = None) -> dict | None:
    """The first row of a query as {column: value}, or None when there is none: the row `fetch(...).iloc[0].to_dict()`
    gives, without building a frame for one row (which costs about as much as finding the row)."""
    own = _handed_on(con, "fetch_record")
    if own is not None:
        return own(sql, params)
    names, row = _read(con, sql, params, lambda cur: ([d[0] for d in cur.description or []], cur.fetchone()))
    return None if row is None else {name: _boxed(value) for name, value in zip(names, row, strict=True)}
