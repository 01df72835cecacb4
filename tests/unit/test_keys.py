from __future__ import annotations

import hashlib
import stat
import subprocess
from pathlib import Path

import pytest

from evidencekit import (
    FAST_KDF,
    MIN_PASSPHRASE,
    InputError,
    KeyFileError,
    Signer,
    check_passphrase,
    create_key,
    load_public_key,
    load_signer,
    parse_public_key,
    short_fingerprint,
)
from evidencekit.keys.keyfile import decrypt_private_key, encrypt_private_key

# RFC 8032, section 7.1, TEST 1 and TEST 2
RFC8032 = [
    ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b4"
     "6bd25bf5f0595bbe24655141438e7a100b"),
    ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f1"
     "1d8c387b2eaeb4302aeeb00d291612bb0c00"),
]


@pytest.mark.parametrize(("seed", "public", "message", "signature"), RFC8032)
def test_rfc8032_known_answers(seed: str, public: str, message: str, signature: str) -> None:
    signer = Signer.from_seed(bytes.fromhex(seed), "Test", "RFC 8032")
    assert signer.public.raw.hex() == public
    assert signer.sign(bytes.fromhex(message)).hex() == signature
    assert signer.public.verify(bytes.fromhex(message), bytes.fromhex(signature))
    assert not signer.public.verify(bytes.fromhex(message) + b"x", bytes.fromhex(signature))


def test_create_key_writes_encrypted_private_and_openssl_public(tmp_path: Path) -> None:
    public = create_key(tmp_path / "hg", "Hana Green", "Northside Housing", "long passphrase",
                        kdf=FAST_KDF)
    key, pub = tmp_path / "hg.key", tmp_path / "hg.pub"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    signer = load_signer(key, "long passphrase")
    assert signer.public == public
    seed_hex = bytes(signer._signing_key).hex()
    assert seed_hex not in key.read_text() and seed_hex not in key.read_bytes().hex()
    # OpenSSL reads the .pub file as it is, and its DER hashes to our fingerprint.
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in", str(pub), "-outform", "DER"],
                         capture_output=True, check=True).stdout
    assert hashlib.sha256(der).hexdigest() == public.fingerprint
    text = pub.read_text()
    assert text.startswith("Name: Hana Green\nOrganisation: Northside Housing\nFingerprint: ")


def test_openssl_verifies_our_signature(tmp_path: Path, hana: Signer) -> None:
    message = tmp_path / "msg"
    message.write_bytes(b"exact bytes to sign\n")
    (tmp_path / "msg.sig").write_bytes(hana.sign(message.read_bytes()))
    (tmp_path / "k.pub").write_text(hana.public.to_pub_file())
    cmd = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "k.pub"),
           "-rawin", "-in", str(message), "-sigfile", str(tmp_path / "msg.sig")]
    assert subprocess.run(cmd, capture_output=True, check=False).returncode == 0
    message.write_bytes(b"exact bytes to sign!\n")
    assert subprocess.run(cmd, capture_output=True, check=False).returncode != 0


def test_wrong_passphrase_is_a_clear_error(hana: Signer) -> None:
    data = encrypt_private_key(hana, "right passphrase", FAST_KDF)
    with pytest.raises(KeyFileError, match="Wrong passphrase"):
        decrypt_private_key(data, "wrong passphrase")
    assert decrypt_private_key(data, "right passphrase").public == hana.public


def test_short_passphrase_and_existing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="at least 8"):
        create_key(tmp_path / "a", "A", "B", "short", kdf=FAST_KDF)
    create_key(tmp_path / "a", "A", "B", "long enough", kdf=FAST_KDF)
    with pytest.raises(InputError, match="already exists"):
        create_key(tmp_path / "a", "A", "B", "long enough", kdf=FAST_KDF)


@pytest.mark.parametrize("damage", [b"", b"not json", b'{"format":"other"}',
                                    b'{"format":"evidencekit-private-key/1","kdf":3}'])
def test_damaged_key_files(damage: bytes) -> None:
    with pytest.raises(KeyFileError):
        decrypt_private_key(damage, "whatever passphrase")


def test_missing_key_file_and_symlink(tmp_path: Path, hana: Signer) -> None:
    with pytest.raises(KeyFileError, match="does not exist"):
        load_signer(tmp_path / "nope.key", "x" * 8)
    real = tmp_path / "real.key"
    real.write_bytes(encrypt_private_key(hana, "passphrase!", FAST_KDF))
    (tmp_path / "link.key").symlink_to(real)
    with pytest.raises(KeyFileError, match="symbolic link"):
        load_signer(tmp_path / "link.key", "passphrase!")


def test_public_key_parsing(hana: Signer, tmp_path: Path) -> None:
    assert parse_public_key(hana.public.to_pem()).raw == hana.public.raw  # bare PEM works
    forged = hana.public.to_pub_file().replace(hana.public.fingerprint, "0" * 64)
    with pytest.raises(KeyFileError, match="Fingerprint"):
        parse_public_key(forged)
    with pytest.raises(KeyFileError, match="no PEM"):
        parse_public_key("Name: x\n")
    rsa = subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                          "rsa_keygen_bits:1024"], capture_output=True, check=True).stdout
    rsa_pub = subprocess.run(["openssl", "pkey", "-pubout"], input=rsa, capture_output=True,
                             check=True).stdout.decode()
    with pytest.raises(KeyFileError, match="not an Ed25519"):
        parse_public_key(rsa_pub)
    path = tmp_path / "k.pub"
    path.write_text(hana.public.to_pub_file())
    assert load_public_key(path).name == "Hana Green"


def test_signer_repr_hides_the_key(hana: Signer) -> None:
    assert bytes(hana._signing_key).hex() not in repr(hana)
    assert "Hana Green" in repr(hana)


@pytest.mark.parametrize("name", ["", "two\nlines", "x" * 201])
def test_bad_holder_names(name: str) -> None:
    with pytest.raises(InputError):
        Signer.from_seed(bytes(32), name, "Org")


def test_short_fingerprint_is_the_openssl_fingerprint_grouped(tmp_path: Path,
                                                              hana: Signer) -> None:
    pub = tmp_path / "hg.pub"
    pub.write_text(hana.public.to_pub_file())
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in", str(pub), "-outform", "DER"],
                         check=True, capture_output=True).stdout
    digest = hashlib.sha256(der).hexdigest().upper()
    expected = f"{digest[0:4]} {digest[4:8]} {digest[8:12]} {digest[12:16]}"
    assert hana.public.short_fingerprint == expected == "A050 837D 8507 0582"
    assert short_fingerprint(hana.public.fingerprint) == expected


def test_the_passphrase_rule_is_checked_on_its_own() -> None:
    assert check_passphrase("eight ch") == "eight ch"
    with pytest.raises(InputError, match=f"at least {MIN_PASSPHRASE} characters"):
        check_passphrase("seven c")


def test_a_public_key_given_as_the_private_key_is_named_first(tmp_path: Path,
                                                              hana: Signer) -> None:
    pub = tmp_path / "hg.pub"
    pub.write_text(hana.public.to_pub_file())
    pub.chmod(0o644)  # as keys create writes it: the old message was "chmod 600"

    def never_asked() -> str:
        raise AssertionError("the passphrase was asked for before the file was checked")

    with pytest.raises(KeyFileError) as caught:
        load_signer(pub, never_asked)
    message = caught.value.user_message()
    assert message.startswith(f"{pub} is a public key; give your private key "
                              f"{tmp_path / 'hg.key'}.")
    assert "chmod" not in message


def test_a_passphrase_function_is_called_once_after_the_checks(tmp_path: Path,
                                                               hana: Signer) -> None:
    key = tmp_path / "hg.key"
    key.write_bytes(encrypt_private_key(hana, "a long passphrase", FAST_KDF))
    key.chmod(0o600)
    asked: list[str] = []

    def ask() -> str:
        asked.append("asked")
        return "a long passphrase"

    assert load_signer(key, ask).public == hana.public and asked == ["asked"]
    key.chmod(0o644)
    with pytest.raises(KeyFileError, match="can be read by other users"):
        load_signer(key, ask)
    assert asked == ["asked"]
