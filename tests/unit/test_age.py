"""age encryption (age-encryption.org/v1), judged by the real ``age`` program.

Our files open with ``age -d``; files ``age`` made open with ours; every damage is refused
with nothing decrypted left behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import stat
import subprocess
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evidencekit import (
    AgeEncryption,
    AgeIdentity,
    AgeRecipient,
    InputError,
    IntegrityError,
    KeyFileError,
    create_age_identity,
    decrypt_file,
    decrypted_package,
    encrypt_file,
    generate_passphrase,
    load_age_identities,
    load_age_recipients,
)
from evidencekit.keys import agekey, diceware
from evidencekit.package import ageheader, agestream
from tests.age_tools import age, age_on_terminal, keygen

CHUNK = agestream.CHUNK
SECRET = "secret words"
WRONG = "three words"
BY_AGE = "two words"
FAST = 10  # scrypt work factor for tests; packages use age's 18 (see test_age_cli.py)


@pytest.fixture
def alice(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "alice.txt"
    return path, keygen(path)


@pytest.fixture
def bob(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "bob.txt"
    return path, keygen(path)


def _plain(tmp_path: Path, size: int) -> Path:
    path = tmp_path / f"plain-{size}.bin"
    path.write_bytes(os.urandom(size))
    return path


def _payload_at(raw: bytes) -> int:
    """Where the payload starts: after "\n--- " and the 43 characters of the MAC and "\n"."""
    return raw.index(b"\n---") + 49


def _to(recipients: list[str]) -> AgeEncryption:
    return AgeEncryption(tuple(AgeRecipient.parse(r) for r in recipients))


# -- keys and bech32 -------------------------------------------------------------------------

def test_identities_age_keygen_made_give_its_public_key(alice: tuple[Path, str]) -> None:
    path, public = alice
    (identity,) = load_age_identities(path)
    assert str(identity.recipient) == public
    assert identity.to_text() in path.read_text()
    assert "AGE-SECRET" not in repr(identity)


def test_create_age_identity_is_what_age_keygen_reads(tmp_path: Path) -> None:
    out = tmp_path / "key.txt"
    recipient = create_age_identity(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    derived = subprocess.run(["age-keygen", "-y", str(out)], capture_output=True, check=True,
                             text=True).stdout.strip()
    assert derived == str(recipient)
    assert f"# public key: {recipient}\n" in out.read_text()
    with pytest.raises(InputError, match="already exists"):
        create_age_identity(out)


def test_recipients_from_strings_and_files(tmp_path: Path, alice: tuple[Path, str],
                                           bob: tuple[Path, str]) -> None:
    listing = tmp_path / "recipients.txt"
    listing.write_text(f"# the court\n{alice[1]}\n\n  # and the solicitor\n{bob[1]}\n")
    found = load_age_recipients([alice[1], str(listing)])
    assert [str(r) for r in found] == [alice[1], bob[1]]  # duplicates dropped, order kept
    listing.write_text(f"# court\n\n{alice[1]}\nage1notakey\n")
    with pytest.raises(InputError, match="line 4 is not an age recipient"):  # the real line
        load_age_recipients([str(listing)])
    with pytest.raises(InputError, match="neither an age recipient"):
        load_age_recipients([str(tmp_path / "missing.txt")])
    with pytest.raises(InputError, match="age recipient"):
        load_age_recipients([alice[1].upper()])  # age refuses upper-case recipients too
    with pytest.raises(InputError, match="is not an age recipient"):
        AgeRecipient.parse(alice[1].upper())


def test_identity_file_without_identity_is_refused(tmp_path: Path, alice: tuple[Path, str],
                                                   ) -> None:
    path = tmp_path / "only-comments.txt"
    path.write_text("# public key: " + alice[1] + "\n")
    with pytest.raises(KeyFileError, match="holds no key: it needs an age identity"):
        load_age_identities(path)
    path.write_text(alice[1] + "\n")  # a recipient is not an identity
    with pytest.raises(KeyFileError, match="line 1 is not an age identity"):
        load_age_identities(path)


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=20),
       st.binary(max_size=80))
def test_bech32_round_trips(hrp: str, data: bytes) -> None:
    assert agekey.bech32_decode(agekey.bech32_encode(hrp, data)) == (hrp, data)


@given(st.binary(min_size=32, max_size=32), st.data())
def test_bech32_detects_any_single_changed_character(key: bytes, data: st.DataObject) -> None:
    text = str(AgeRecipient(key))
    where = data.draw(st.integers(min_value=4, max_value=len(text) - 1))
    other = data.draw(st.sampled_from([c for c in agekey._CHARSET if c != text[where]]))
    changed = text[:where] + other + text[where + 1:]
    assert agekey.bech32_decode(changed) is None
    with pytest.raises(InputError):
        AgeRecipient.parse(changed)


@given(st.text(max_size=120))
def test_bech32_decode_never_raises(text: str) -> None:
    decoded = agekey.bech32_decode(text)
    assert decoded is None or agekey.bech32_encode(*decoded) == text.lower()


# -- the header --------------------------------------------------------------------------------

_STANZA = st.builds(
    ageheader.Stanza,
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzXYZ0123456789-", min_size=1, max_size=12),
    st.lists(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabc0123456789+/=-", min_size=1,
                     max_size=20), max_size=3).map(tuple),
    st.binary(max_size=200))


@given(st.lists(_STANZA, min_size=1, max_size=4), st.binary(min_size=16, max_size=16))
def test_header_round_trips(stanzas: list[ageheader.Stanza], file_key: bytes) -> None:
    raw = ageheader.encode_header(stanzas, file_key)
    src = io.BytesIO(raw + b"payload")
    header = ageheader.read_header(src)
    assert header.stanzas == tuple(stanzas)
    assert header.mac_ok(file_key)
    assert src.read() == b"payload"


@given(st.lists(_STANZA, min_size=1, max_size=3), st.binary(min_size=16, max_size=16),
       st.data())
def test_any_changed_header_byte_is_caught(stanzas: list[ageheader.Stanza], file_key: bytes,
                                           data: st.DataObject) -> None:
    raw = bytearray(ageheader.encode_header(stanzas, file_key))
    where = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    raw[where] ^= data.draw(st.integers(min_value=1, max_value=255))
    try:
        header = ageheader.read_header(io.BytesIO(bytes(raw)))
    except IntegrityError:
        return
    assert not header.mac_ok(file_key)


@given(st.binary(max_size=400))
def test_header_parser_only_raises_integrity_errors(junk: bytes) -> None:
    for raw in (junk, ageheader.INTRO + junk):
        with contextlib.suppress(IntegrityError):
            ageheader.read_header(io.BytesIO(raw))


def test_endless_header_is_refused() -> None:
    endless = ageheader.INTRO + b"-> grease\n" + (b"A" * 64 + b"\n") * 20_000
    with pytest.raises(IntegrityError, match="longer than 1 MiB"):
        ageheader.read_header(io.BytesIO(endless))


def test_low_order_recipient_is_refused() -> None:
    with pytest.raises(InputError, match="low-order"):
        ageheader.wrap_x25519(ageheader.new_file_key(), AgeRecipient(bytes(32)))


@given(st.integers(min_value=0, max_value=3 * CHUNK + 3),
       st.lists(st.integers(min_value=0, max_value=2 * CHUNK + 1), max_size=8))
def test_payload_is_the_same_however_it_is_written(size: int, cuts: list[int]) -> None:
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    file_key, nonce = bytes(16), bytes(range(16))
    whole, pieces = io.BytesIO(), io.BytesIO()
    one = agestream.PayloadWriter(whole, file_key, nonce)
    one.write(data)
    one.close()
    many, start = agestream.PayloadWriter(pieces, file_key, nonce), 0
    for cut in cuts:
        many.write(data[start:start + cut])
        start += cut
    many.write(data[start:])
    many.close()
    assert pieces.getvalue() == whole.getvalue()
    chunks = max(1, -(-size // CHUNK))
    assert len(whole.getvalue()) == 16 + size + 16 * chunks
    back = bytearray()
    assert agestream.decrypt_payload(io.BytesIO(whole.getvalue()), file_key, back.extend) == size
    assert back == data


@given(st.integers(min_value=0, max_value=2 * CHUNK + 40), st.data())
def test_any_changed_payload_byte_is_refused(size: int, data: st.DataObject) -> None:
    file_key, nonce, sealed = bytes(16), bytes(16), io.BytesIO()
    writer = agestream.PayloadWriter(sealed, file_key, nonce)
    writer.write(bytes(size))
    writer.close()
    raw = bytearray(sealed.getvalue())
    where = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    raw[where] ^= data.draw(st.integers(min_value=1, max_value=255))
    with pytest.raises(IntegrityError):
        agestream.decrypt_payload(io.BytesIO(bytes(raw)), file_key, lambda _chunk: None)
    cut = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    with pytest.raises(IntegrityError):
        agestream.decrypt_payload(io.BytesIO(sealed.getvalue()[:cut]), file_key,
                                  lambda _chunk: None)


# -- round trips through the real age ----------------------------------------------------------

@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 200_001])
def test_age_decrypts_what_we_encrypt(tmp_path: Path, alice: tuple[Path, str],
                                      size: int) -> None:
    plain = _plain(tmp_path, size)
    sealed = tmp_path / "out.age"
    encrypt_file(plain, sealed, _to([alice[1]]))
    back = tmp_path / "back"
    age("-d", "-i", alice[0], "-o", back, sealed)
    assert (back.read_bytes() if back.exists() else b"") == plain.read_bytes()  # age: lazy -o
    chunks = max(1, -(-size // CHUNK))
    assert sealed.stat().st_size == _payload_at(sealed.read_bytes()) + 16 + size + 16 * chunks


def test_two_recipients_each_open_it_with_age(tmp_path: Path, alice: tuple[Path, str],
                                              bob: tuple[Path, str]) -> None:
    plain = _plain(tmp_path, 100_000)
    sealed = tmp_path / "out.age"
    encrypt_file(plain, sealed, _to([alice[1], bob[1]]))
    for key, _ in (alice, bob):
        out = tmp_path / f"{key.stem}.out"
        age("-d", "-i", key, "-o", out, sealed)
        assert out.read_bytes() == plain.read_bytes()


def test_age_decrypts_our_passphrase_encryption(tmp_path: Path) -> None:
    plain = _plain(tmp_path, 70_000)
    sealed = tmp_path / "out.age"
    secret = generate_passphrase()
    encrypt_file(plain, sealed, AgeEncryption(passphrase=True, work_factor=FAST), secret)
    assert b"-> scrypt " in sealed.read_bytes()[:100]
    code, _ = age_on_terminal("-d", "-o", tmp_path / "back", sealed, passphrase=secret,
                              prompts=1)
    assert code == 0
    assert (tmp_path / "back").read_bytes() == plain.read_bytes()


@pytest.mark.parametrize("size", [0, 5, CHUNK, 2 * CHUNK + 7])
def test_we_decrypt_what_age_encrypts(tmp_path: Path, alice: tuple[Path, str],
                                      bob: tuple[Path, str], size: int) -> None:
    plain = _plain(tmp_path, size)
    listing = tmp_path / "both.txt"
    listing.write_text(f"{alice[1]}\n{bob[1]}\n")
    sealed = tmp_path / "by-age.age"
    age("-R", listing, "-o", sealed, plain)
    for key, _ in (alice, bob):
        out = tmp_path / f"{key.stem}.out"
        assert decrypt_file(sealed, out, load_age_identities(key)) == size
        assert out.read_bytes() == plain.read_bytes()
        assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_we_decrypt_age_passphrase_files(tmp_path: Path) -> None:
    plain = _plain(tmp_path, 90_000)
    sealed = tmp_path / "by-age.age"
    code, _ = age_on_terminal("-p", "-o", sealed, plain, passphrase=BY_AGE, prompts=2)
    assert code == 0
    assert b" 18\n" in sealed.read_bytes()[:80]  # age's own work factor
    with pytest.raises(KeyFileError, match="Wrong passphrase"):
        decrypt_file(sealed, tmp_path / "wrong", passphrase=WRONG)
    asked: list[bool] = []

    def ask() -> str:
        asked.append(True)
        return BY_AGE

    decrypt_file(sealed, tmp_path / "back", passphrase=ask)
    assert asked == [True] and (tmp_path / "back").read_bytes() == plain.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["back", "by-age.age", plain.name]


# -- refusals --------------------------------------------------------------------------------

def _sealed(tmp_path: Path, recipient: str, size: int = 3 * CHUNK + 100) -> Path:
    plain = _plain(tmp_path, size)
    sealed = tmp_path / "package.zip.age"
    encrypt_file(plain, sealed, _to([recipient]))
    plain.unlink()
    return sealed


def _leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def test_wrong_identity_is_refused_with_one_line(tmp_path: Path, alice: tuple[Path, str],
                                                 bob: tuple[Path, str]) -> None:
    sealed = _sealed(tmp_path, alice[1])
    with pytest.raises(KeyFileError) as refused:
        decrypt_file(sealed, tmp_path / "out.zip", load_age_identities(bob[0]))
    message = refused.value.user_message()
    assert "not encrypted to the age identity given" in message and "\n" not in message
    assert not (tmp_path / "out.zip").exists()
    with pytest.raises(InputError, match="give the identity file"):
        decrypt_file(sealed, tmp_path / "out.zip")
    with pytest.raises(InputError, match="encrypted with a passphrase"):
        decrypt_file(_passphrase_file(tmp_path), tmp_path / "out.zip",
                     load_age_identities(bob[0]))


def _passphrase_file(tmp_path: Path) -> Path:
    sealed = tmp_path / "pass.age"
    encrypt_file(_plain(tmp_path, 10), sealed, AgeEncryption(passphrase=True, work_factor=FAST),
                 SECRET)
    return sealed


@pytest.mark.parametrize("where", ["stanza", "mac", "nonce", "first", "middle", "tag", "last"])
def test_flipped_byte_is_refused_and_nothing_written(tmp_path: Path, alice: tuple[Path, str],
                                                     where: str) -> None:
    sealed = _sealed(tmp_path, alice[1])
    raw = bytearray(sealed.read_bytes())
    payload = _payload_at(raw)
    offset = {"stanza": 30, "mac": payload - 10, "nonce": payload + 3,
              "first": payload + 16 + 10, "middle": payload + 16 + CHUNK + 16 + 500,
              "tag": payload + 16 + CHUNK + 5, "last": len(raw) - 20}[where]
    raw[offset] ^= 0x04
    sealed.write_bytes(bytes(raw))
    keep = {sealed.name, "alice.txt", "bob.txt"}
    # a changed recipient stanza no longer fits the identity: refused like a wrong key
    expected = KeyFileError if where == "stanza" else IntegrityError
    with pytest.raises(expected, match=r"damaged|altered|not encrypted to"):
        decrypt_file(sealed, tmp_path / "out.zip", load_age_identities(alice[0]))
    assert _leftovers(tmp_path, keep) == []
    assert age("-d", "-i", alice[0], sealed, check=False).returncode != 0  # age agrees


@pytest.mark.parametrize("cut", ["in header", "after header", "mid chunk", "chunk boundary",
                                 "last byte"])
def test_truncated_file_is_refused(tmp_path: Path, alice: tuple[Path, str], cut: str) -> None:
    sealed = _sealed(tmp_path, alice[1], size=3 * CHUNK)
    raw = sealed.read_bytes()
    payload = _payload_at(raw)
    length = {"in header": 40, "after header": payload + 8, "mid chunk": payload + 16 + 1000,
              "chunk boundary": payload + 16 + 2 * (CHUNK + 16), "last byte": len(raw) - 1}[cut]
    sealed.write_bytes(raw[:length])
    with pytest.raises(IntegrityError, match=r"cut short|damaged"):
        decrypt_file(sealed, tmp_path / "out.zip", load_age_identities(alice[0]))
    assert not (tmp_path / "out.zip").exists()
    assert age("-d", "-i", alice[0], sealed, check=False).returncode != 0


def test_appended_bytes_are_refused(tmp_path: Path, alice: tuple[Path, str]) -> None:
    sealed = _sealed(tmp_path, alice[1], size=CHUNK + 5)
    with open(sealed, "ab") as handle:
        handle.write(b"x" * 40)
    with pytest.raises(IntegrityError, match="altered"):
        decrypt_file(sealed, tmp_path / "out.zip", load_age_identities(alice[0]))


def test_scrypt_stanza_must_stand_alone(tmp_path: Path, alice: tuple[Path, str]) -> None:
    file_key = ageheader.new_file_key()
    stanzas = [ageheader.wrap_scrypt(file_key, SECRET, FAST),
               ageheader.wrap_x25519(file_key, AgeRecipient.parse(alice[1]))]
    sealed = tmp_path / "mixed.age"
    sealed.write_bytes(ageheader.encode_header(stanzas, file_key) + bytes(32))
    with pytest.raises(IntegrityError, match="passphrase stanza beside others"):
        decrypt_file(sealed, tmp_path / "out", passphrase=SECRET)


def test_work_factor_over_the_limit_is_refused(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    sealed = _passphrase_file(tmp_path)
    monkeypatch.setenv("EVIDENCEKIT_LIMIT_AGE_WORK_FACTOR", "9")
    with pytest.raises(InputError, match="work factor is 10"):
        decrypt_file(sealed, tmp_path / "out", passphrase=SECRET)


def test_memory_stays_flat_whatever_the_size(tmp_path: Path, alice: tuple[Path, str]) -> None:
    """Counted, not timed: the peak of Python allocations does not grow with the file."""
    peaks = []
    for mib in (8, 64):
        plain = tmp_path / f"sparse-{mib}.bin"
        with open(plain, "wb") as handle:
            handle.truncate(mib << 20)
        sealed, back = tmp_path / f"{mib}.age", tmp_path / f"{mib}.out"
        tracemalloc.start()
        encrypt_file(plain, sealed, _to([alice[1]]))
        decrypt_file(sealed, back, load_age_identities(alice[0]), durable=False)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert back.stat().st_size == mib << 20
        for path in (plain, sealed, back):
            path.unlink()
    assert peaks[1] < 8 << 20, peaks  # a few 64 KiB chunks and 1 MiB blocks
    assert peaks[1] < peaks[0] * 1.5 + (1 << 20), peaks


# -- the private temporary folder --------------------------------------------------------------

def test_decrypted_package_folder_is_private_and_removed(tmp_path: Path,
                                                         alice: tuple[Path, str]) -> None:
    sealed = _sealed(tmp_path, alice[1])
    work = tmp_path / "work"
    work.mkdir()
    with decrypted_package(sealed, load_age_identities(alice[0]), folder=work) as plain:
        assert plain.name == "package.zip" and plain.stat().st_size == 3 * CHUNK + 100
        assert stat.S_IMODE(plain.parent.stat().st_mode) == 0o700
    assert list(work.iterdir()) == []


def test_decrypted_package_folder_is_removed_after_failure(tmp_path: Path,
                                                           alice: tuple[Path, str]) -> None:
    sealed = _sealed(tmp_path, alice[1])
    raw = bytearray(sealed.read_bytes())
    raw[-(CHUNK // 2)] ^= 1
    sealed.write_bytes(bytes(raw))
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(IntegrityError), decrypted_package(
            sealed, load_age_identities(alice[0]), folder=work):
        raise AssertionError("never reached")
    assert list(work.iterdir()) == []
    with pytest.raises(RuntimeError), decrypted_package(
            _sealed(tmp_path / "work", alice[1]), load_age_identities(alice[0]),
            folder=tmp_path) as plain:
        assert plain.exists()
        raise RuntimeError("the caller failed")
    assert not plain.exists() and not plain.parent.exists()


# -- the passphrase word list ----------------------------------------------------------------

def test_word_list_is_the_eff_large_list_unchanged() -> None:
    data = (Path(diceware.__file__).parent / "data" / "eff_large_wordlist.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == (
        "addd35536511597a02fa0a9ff1e5284677b8883b83e986e43f15a3db996b903e")
    assert (Path(diceware.__file__).parent / "data" / "EFF-WORDLIST-LICENSE.txt").is_file()


def test_generated_passphrases_have_77_bits() -> None:
    words = diceware.word_list()
    phrases = {generate_passphrase() for _ in range(50)}
    assert len(phrases) == 50 and diceware.passphrase_bits() >= 77
    for phrase in phrases:
        chosen = phrase.split("-")
        assert len(chosen) >= 6 and all(w in words or "-" in phrase for w in chosen)


def test_encryption_options() -> None:
    assert AgeEncryption.from_options((), False) is None
    with pytest.raises(InputError, match="not both"):
        AgeEncryption.from_options((str(AgeIdentity.generate().recipient),), True)
    record = AgeEncryption(passphrase=True).to_record()
    assert record == {"format": "age-v1", "passphrase": True}
    assert AgeIdentity.generate().recipient != AgeIdentity.generate().recipient
