#!/usr/bin/env bash
# Build and check the sample case: two officers' keys, a case, every kind of
# evidence ingested, the custody log shown, and a full verification.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
OUT=${1:-build/sample}
rm -rf "$OUT"
mkdir -p "$OUT"
EK=.venv/bin/evidencekit
export EVIDENCEKIT_PASSPHRASE=${EVIDENCEKIT_PASSPHRASE:-sample-passphrase-not-for-real-use}

step() { printf '\n== %s\n' "$*"; }

step "Generating sample evidence in $OUT/evidence"
.venv/bin/python fixtures/make_sample.py "$OUT/evidence"

step "Keys for the housing officer (HG) and the police constable (TA)"
$EK keys create --name "Hana Green" --org "Northside Housing" --out "$OUT/hg"
$EK keys create --name "Tom Ashby" --org "Northside Police" --out "$OUT/ta"

step "A new case"
$EK init "$OUT/case" --ref NH-2026-0147 --title "Closure order, 14 Elm Court" \
  --court "Northside Magistrates' Court"
C=(--case "$OUT/case")

step "Ingest"
$EK ingest "$OUT/evidence/statement_hana_green.txt" "${C[@]}" --key "$OUT/hg.key" \
  --kind statement --producer HG --description "Statement of Hana Green, 18 Nov 2026"
$EK ingest "$OUT/evidence/statement_neighbour.docx" "${C[@]}" --key "$OUT/hg.key" \
  --kind statement --producer HG --description "Statement of a neighbour (anonymous)"
$EK ingest "$OUT/evidence/photo_front_door.jpg" "${C[@]}" --key "$OUT/hg.key" \
  --kind photo --producer HG --description "Front door of 14 Elm Court" \
  --captured-by "Hana Green" --captured-at 2026-11-14T23:42
$EK ingest "$OUT/evidence/cctv_export" "${C[@]}" --key "$OUT/hg.key" --kind cctv \
  --producer HG --description "CCTV export, Elm Court cameras 1 and 2" \
  --source "Elm Court CCTV recorder" --captured-at 2026-11-14T23:40:00Z
$EK ingest "$OUT/evidence/statement_pc_ashby.pdf" "${C[@]}" --key "$OUT/ta.key" \
  --kind statement --producer TA --description "Statement of PC Tom Ashby 4521"
$EK ingest "$OUT/evidence/bodycam_ashby.mp4" "${C[@]}" --key "$OUT/ta.key" --kind bodycam \
  --producer TA --description "Body-worn video, PC Ashby, 15 Nov 2026 00:15"
step "The same photo again is recognised, not stored twice"
$EK ingest "$OUT/evidence/photo_front_door.jpg" "${C[@]}" --key "$OUT/ta.key" \
  --kind photo --producer TA --description "Copy of the door photo from the police"

step "Exhibits"
$EK list "${C[@]}"
step "What the photo's own metadata says (HG/3)"
$EK show HG/3 "${C[@]}"
step "Chain of custody"
$EK log "${C[@]}"

step "Verification, trusting both officers' public keys"
$EK verify "$OUT/case" --trust "$OUT/hg.pub" --trust "$OUT/ta.pub"

step "A tampered copy must fail verification"
cp -r "$OUT/case" "$OUT/tampered"
obj=$(find "$OUT/tampered/objects/sha256" -type f | head -n 1)
chmod u+w "$obj"
printf 'X' | dd of="$obj" bs=1 seek=0 conv=notrunc status=none
if $EK verify "$OUT/tampered" --trust "$OUT/hg.pub" --trust "$OUT/ta.pub"; then
  echo "sample: tampering was NOT detected" >&2
  exit 1
fi
step "Redact the statements with the people register (preview first; originals untouched)"
$EK redact HG/1 "${C[@]}" --people fixtures/people.toml --preview "$OUT/preview-HG1.pdf"
$EK redact HG/1 "${C[@]}" --key "$OUT/hg.key" --people fixtures/people.toml \
  --out "$OUT/HG1-redacted.pdf"
$EK redact HG/2 "${C[@]}" --key "$OUT/hg.key" --people fixtures/people.toml
$EK redact TA/1 "${C[@]}" --key "$OUT/ta.key" --people fixtures/people.toml
echo "text of the redacted statement HG/1-R1 (pdftotext):"
pdftotext "$OUT/HG1-redacted.pdf" - | sed 's/^/  /'
if pdftotext "$OUT/HG1-redacted.pdf" - | grep -qiE 'whitfield|07700|NS4 7QT|Liam'; then
  echo "sample: a third-party detail survived redaction" >&2
  exit 1
fi

step "Redact the photo and the body-worn video (previews first; originals untouched)"
$EK redact HG/3 "${C[@]}" --regions fixtures/regions/photo_front_door.json \
  --preview "$OUT/preview-HG3.png"
$EK redact HG/3 "${C[@]}" --key "$OUT/hg.key" --regions fixtures/regions/photo_front_door.json \
  --out "$OUT/HG3-redacted.jpg"
$EK redact TA/2 "${C[@]}" --regions fixtures/regions/bodycam_ashby.json \
  --preview "$OUT/preview-TA2.png"
$EK redact TA/2 "${C[@]}" --key "$OUT/ta.key" --regions fixtures/regions/bodycam_ashby.json \
  --out "$OUT/TA2-redacted.mp4"
echo "metadata left in the redacted photo (exiftool; GPS, serial, camera must be absent):"
exiftool -a -G1 -s "$OUT/HG3-redacted.jpg" | grep -vE '^\[(System|File|ExifTool|Composite)\]' \
  || true
if exiftool -a -G1 "$OUT/HG3-redacted.jpg" | grep -qiE 'gps|serial|samplecam'; then
  echo "sample: metadata leaked into the redacted photo" >&2
  exit 1
fi

step "The hearing bundle: cover, linked index, every page numbered, bookmarks"
$EK bundle "${C[@]}" --key "$OUT/hg.key" --out "$OUT/bundle.pdf"
qpdf --check "$OUT/bundle.pdf" >/dev/null && echo "qpdf --check: no errors"
pdfinfo "$OUT/bundle.pdf" | grep -E '^(Pages|Page size|Title)'
echo "page numbers printed on each page (pdftotext):"
for n in $(seq 1 "$(pdfinfo "$OUT/bundle.pdf" | awk '/^Pages:/ {print $2}')"); do
  printf ' %s' "$(pdftotext -f "$n" -l "$n" -layout "$OUT/bundle.pdf" - | tr -d '\f' | awk 'NF' \
    | tail -n 1 | awk '{print $NF}')"
done
echo
step "A redacted bundle for the defence, PD 27A section numbering"
$EK bundle "${C[@]}" --key "$OUT/hg.key" --out "$OUT/bundle-redacted.pdf" --redacted \
  --numbering sections --spec fixtures/bundle_spec.toml
if pdftotext "$OUT/bundle-redacted.pdf" - | grep -qiE 'whitfield|07700 900|Liam'; then
  echo "sample: the redacted bundle holds a removed detail" >&2
  exit 1
fi
step "A late exhibit goes in as a supplement: existing pages keep their numbers"
printf 'Note of a phone call from the council, 19 Nov 2026.\n' > "$OUT/evidence/late_note.txt"
$EK ingest "$OUT/evidence/late_note.txt" "${C[@]}" --key "$OUT/hg.key" --kind document \
  --producer HG --description "Note of a call from the council"
$EK bundle "${C[@]}" --key "$OUT/hg.key" --out "$OUT/bundle-supplemented.pdf" --supplement
$EK exhibits "${C[@]}" --format csv

step "Export a signed package for the police, with the legal basis for sharing it"
$EK disclosure-defaults "${C[@]}" --key "$OUT/hg.key" \
  --basis "Crime and Disorder Act 1998 s.115" --marking OFFICIAL-SENSITIVE
$EK export "${C[@]}" --key "$OUT/hg.key" --out "$OUT/package-police" \
  --recipient "Northside Police, ASB unit" --purpose "closure order, 14 Elm Court"
step "Export two exhibits for the court as one zip"
$EK export "${C[@]}" --key "$OUT/ta.key" --out "$OUT/package-court" \
  --recipient "Northside Magistrates' Court" --items HG/3,TA/2 --zip

step "A redacted package is refused until every exhibit has a redacted copy (or needs none)"
if $EK export "${C[@]}" --key "$OUT/hg.key" --out "$OUT/package-defence" \
    --recipient "Defence solicitors" --redacted; then
  echo "sample: an unredacted exhibit was let out" >&2
  exit 1
fi
for ref in HG/4 HG/5; do
  $EK redaction-not-needed "$ref" "${C[@]}" --key "$OUT/hg.key" \
    --reason "street view only; no third party visible"
done
$EK redaction-not-needed HG/6 "${C[@]}" --key "$OUT/hg.key" --reason "names no one"
$EK export "${C[@]}" --key "$OUT/hg.key" --out "$OUT/package-defence" \
  --recipient "Defence solicitors" --redacted
ls "$OUT/package-defence/data/exhibits" "$OUT/package-defence/data/bundle"
if grep -rqiE 'whitfield|07700 900|SN-0042|51\.503' "$OUT/package-defence"; then
  echo "sample: the redacted package holds a removed detail" >&2
  exit 1
fi

step "The recipient checks the packages with evidencekit"
$EK verify "$OUT/package-police" --trust "$OUT/hg.pub"
$EK verify "$OUT/package-court.zip" --trust "$OUT/ta.pub" --trust "$OUT/hg.pub"
$EK verify "$OUT/package-defence" --trust "$OUT/hg.pub"

step "... and with standard tools alone (sha256sum, OpenSSL, bagit.py), as VERIFY.txt says"
(
  cd "$OUT/package-police"
  sha256sum --quiet -c manifest-sha256.txt && echo "payload manifest: OK"
  sha256sum --quiet -c tagmanifest-sha256.txt && echo "tag manifest: OK"
  diff <(find data -type f | LC_ALL=C sort) \
       <(sed 's/^[0-9a-f]*  //' manifest-sha256.txt | LC_ALL=C sort) && echo "no extra files"
  openssl pkeyutl -verify -pubin -inkey signature/signer.pem -rawin \
    -in tagmanifest-sha256.txt -sigfile signature/tagmanifest-sha256.txt.sig
  echo "signer fingerprint: $(openssl pkey -pubin -in signature/signer.pem -outform DER \
    | sha256sum | cut -d' ' -f1)"
)
"$PWD/.venv/bin/bagit.py" --validate --quiet "$OUT/package-police" && echo "bagit.py: valid"

step "An encrypted package for the court (age): a lost stick or leaked link shows nothing"
$EK keys age-create --out "$OUT/court-age.txt"
COURT_AGE=$(grep -o 'age1[0-9a-z]*' "$OUT/court-age.txt" | head -n 1)
$EK export "${C[@]}" --key "$OUT/hg.key" --out "$OUT/package-court-sealed" \
  --recipient "Northside Magistrates' Court" --items HG/1,HG/2 --encrypt-to "$COURT_AGE"
if grep -qa 'Whitfield' "$OUT/package-court-sealed.zip.age"; then
  echo "sample: the encrypted package shows its content" >&2
  exit 1
fi
head -n 4 "$OUT/package-court-sealed.READ-ME-FIRST.txt"
echo "the court opens it with Debian's age alone, then checks the zip as before:"
age -d -i "$OUT/court-age.txt" -o "$OUT/package-court-sealed.zip" \
  "$OUT/package-court-sealed.zip.age" && echo "age -d: decrypted"
$EK verify "$OUT/package-court-sealed.zip" --trust "$OUT/hg.pub"
echo "... or in one step with evidencekit, keeping nothing decrypted:"
$EK verify "$OUT/package-court-sealed.zip.age" --identity "$OUT/court-age.txt" \
  --trust "$OUT/hg.pub"

step "The police receive the housing officer's package into their own case"
$EK init "$OUT/police" --ref NP-ASB-2026-031 --title "Closure order, 14 Elm Court (police)"
P=(--case "$OUT/police")
if $EK receive "$OUT/package-police" "${P[@]}" --key "$OUT/ta.key" --trust "$OUT/ta.pub"; then
  echo "sample: a package from an untrusted signer was received" >&2
  exit 1
fi
$EK receive "$OUT/package-police" "${P[@]}" --key "$OUT/ta.key" --trust "$OUT/hg.pub"
$EK receive "$OUT/package-police" "${P[@]}" --key "$OUT/ta.key" --trust "$OUT/hg.pub"
$EK list "${P[@]}" | head -n 6
$EK show HG/1 "${P[@]}" | grep -E '^(Exhibit|SHA-256|Received)'
printf 'PC Ashby: visit to 14 Elm Court, 20 Nov 2026, 22:10.\n' > "$OUT/evidence/pc_visit.txt"
$EK ingest "$OUT/evidence/pc_visit.txt" "${P[@]}" --key "$OUT/ta.key" --kind document \
  --producer TA --description "PC Ashby's note of a visit, 20 Nov 2026"
step "The police build their own bundle from the received exhibits"
$EK bundle "${P[@]}" --key "$OUT/ta.key" --out "$OUT/police-bundle.pdf"
qpdf --check "$OUT/police-bundle.pdf" >/dev/null && echo "qpdf --check: no errors"
pdfinfo "$OUT/police-bundle.pdf" | grep -E '^Pages'
$EK verify "$OUT/police" --trust "$OUT/ta.pub"
step "... and send it on to the court: the package carries both histories"
$EK export "${P[@]}" --key "$OUT/ta.key" --out "$OUT/police-to-court" \
  --recipient "Northside Magistrates' Court" --items HG/1,HG/3,TA/3 \
  --basis "Anti-social Behaviour, Crime and Policing Act 2014 s.80" --purpose "closure order"
$EK verify "$OUT/police-to-court" --trust "$OUT/ta.pub"
"$PWD/.venv/bin/bagit.py" --validate --quiet "$OUT/police-to-court" && echo "bagit.py: valid"
(
  cd "$OUT/police-to-court"
  openssl pkeyutl -verify -pubin -inkey signature/signer.pem -rawin \
    -in tagmanifest-sha256.txt -sigfile signature/tagmanifest-sha256.txt.sig
  echo "by hand (docs/receiving.md): the housing record's head anchors its last event"
  ID=$(grep '"action":"received"' data/custody/events.jsonl | grep '"exhibit":"HG/1"' \
    | jq -r .details.received_from.package_id)
  R=data/custody/received/$ID
  [ "$(jq -r .hash "$R/head.json")" = "$(tail -n 1 "$R/events.jsonl" | tr -d '\n' | sha256sum \
    | cut -d' ' -f1)" ] && echo "  head anchors the last event of $R"
  FP=$(jq -r .actor.fingerprint "$R/head.json")
  jq -cS 'del(.signature)' "$R/head.json" | tr -d '\n' > ../head-body
  jq -r .signature "$R/head.json" | base64 -d > ../head-sig
  printf '  housing head: '
  openssl pkeyutl -verify -pubin -inkey "$R/keys/$FP.pub" -rawin -in ../head-body \
    -sigfile ../head-sig
  printf '  first ingest of HG/1: '
  grep '"exhibit":"HG/1"' "$R/events.jsonl" | head -n 1 | jq -r '[.action, .sha256] | @tsv'
  printf '  the file sent:        '
  sha256sum data/exhibits/HG-1_* | cut -d' ' -f1
)
step "An altered copy of the housing record in the police case must fail verification"
cp -r "$OUT/police" "$OUT/police-tampered"
rec=$(find "$OUT/police-tampered/received" -name events.jsonl | head -n 1)
chmod u+w "$rec"
sed -i 's/Statement of Hana Green/Statement of Hana Grey/' "$rec"
if $EK verify "$OUT/police-tampered" --trust "$OUT/ta.pub"; then
  echo "sample: the altered sender's record was NOT caught" >&2
  exit 1
fi
step "The disclosure registers: what each side sent and received, and why"
$EK disclosures "${C[@]}"
$EK disclosures "${P[@]}" --csv

step "A package changed after signing must fail"
cp -r "$OUT/package-police" "$OUT/package-tampered"
sed -i 's/Northside Police, ASB unit/Someone else/' "$OUT/package-tampered/bag-info.txt"
if $EK verify "$OUT/package-tampered" --trust "$OUT/hg.pub"; then
  echo "sample: the edited package was NOT caught" >&2
  exit 1
fi

step "Hana gets a new laptop and a new key: the old key signs the hand-over"
$EK keys create --name "Hana Green" --org "Northside Housing" --out "$OUT/hg-2027"
EVIDENCEKIT_NEW_PASSPHRASE=$EVIDENCEKIT_PASSPHRASE \
  $EK keys rotate "${C[@]}" --key "$OUT/hg.key" --new-key "$OUT/hg-2027.key"
if $EK ingest "$OUT/evidence/late_note.txt" "${C[@]}" --key "$OUT/hg.key" --kind document \
    --producer HG --description "signed with the retired key"; then
  echo "sample: the retired key could still sign" >&2
  exit 1
fi
$EK export "${C[@]}" --key "$OUT/hg-2027.key" --out "$OUT/package-after-rotation" \
  --recipient "Northside Police, ASB unit" --items HG/1
echo "The police know only Hana's old key; the signed rotation record carries trust over:"
$EK verify "$OUT/package-after-rotation" --trust "$OUT/hg.pub"

step "Tom's phone, with his key on it, is lost: the key is revoked in the custody log"
$EK keys revoke "$OUT/ta.pub" "${C[@]}" --key "$OUT/hg-2027.key" \
  --reason "phone lost an hour ago; the key may be in others' hands" \
  --since "$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)"
$EK log "${C[@]}" | tail -n 3
echo "Tom's records from the last hour are flagged for review (warnings, not failures):"
$EK verify "$OUT/case" --trust "$OUT/hg.pub" --trust "$OUT/ta.pub"

step "The resource limits any hostile file runs into (each can be raised)"
$EK limits

printf '\nSample case built, exported and verified in %s; tampered copies were caught.\n' "$OUT"
