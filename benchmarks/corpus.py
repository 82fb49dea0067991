"""Synthetic procedure records of realistic size, for benchmarks and scale tests.

    python benchmarks/corpus.py 20000 /tmp/corpus-20k

writes N record files (about 3 KB each, every section filled) into a folder, plus one
"planted" record with a distinctive name that a search for that name must rank first.
The text is random medical-sounding vocabulary, so term statistics resemble a real
library: many shared words (procedure, artery, biopsy), and a long tail of rare ones.
Deterministic for a given N and seed.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from pathlib import Path

PLANTED_CODE = "0999T"
PLANTED_NAME = "Cryoneurolysis of the saphenous nerve with thermographic mapping"

ANATOMY = (
    "abdomen adrenal ankle anus aorta appendix arm artery bile bladder bone brain breast "
    "bronchus carotid cartilage cervix chest clavicle colon cornea coronary diaphragm disc "
    "duodenum ear elbow esophagus eye eyelid femur fibula finger foot forearm gallbladder "
    "heart hip humerus ileum iris jaw jejunum joint kidney knee larynx leg lens ligament "
    "lip liver lung lymph mandible meniscus mitral muscle nail nasal neck nerve nose ovary "
    "palate pancreas parathyroid pelvis penis pericardium peritoneum pharynx pleura "
    "prostate pulmonary radius rectum retina rib sacrum scalp scrotum shoulder sinus skin "
    "skull spine spleen sternum stomach tendon testis thigh thumb thyroid tibia toe tongue "
    "tonsil trachea tricuspid ulna ureter urethra uterus vagina valve vein vertebra vocal "
    "wrist"
).split()
ACTIONS = (
    "ablation amputation anastomosis angioplasty arthrodesis arthroplasty arthroscopy "
    "aspiration biopsy bypass catheterization cauterization closure curettage "
    "debridement decompression dilation drainage endoscopy excision exploration fixation "
    "fusion graft imaging implantation incision injection insertion irrigation ligation "
    "manipulation mapping measurement monitoring reconstruction reduction removal repair "
    "replacement resection revision scan stenting suture testing transplant ultrasound"
).split()
MODIFIERS = (
    "open laparoscopic percutaneous endoscopic bilateral unilateral initial additional "
    "complex simple partial complete diagnostic therapeutic radical limited extensive "
    "guided intraoperative pediatric adult emergency staged primary secondary"
).split()
CONDITIONS = (
    "abscess anemia aneurysm arthritis bleeding blockage cancer cyst deformity "
    "degeneration diabetes dislocation embolism fibrosis fistula fracture hemorrhage "
    "hernia infection inflammation injury ischemia lesion malformation mass nodule "
    "obstruction pain polyp prolapse rupture scarring stenosis stone stricture swelling "
    "thrombosis trauma tumor ulcer weakness"
).split()
FILLER = (
    "the a patient clinician team procedure area after before during with without may "
    "usually often typically small large careful gentle local general follow results "
    "report review plan care recovery symptoms function normal activity days weeks hours "
    "minutes pressure image sample tissue fluid dressing medicine discomfort"
).split()
ROOTS = (
    "angio arthro blephar broncho cardio cholecyst colo colpo cranio cysto derma duodeno "
    "encephalo entero esophago gastro glosso hemato hepato hystero ileo laparo laryngo "
    "lympho mammo masto myelo myo nephro neuro oophoro ophthalmo orchi osteo oto "
    "pancreato pharyngo phlebo pleuro pneumo procto pyelo rhino salpingo spleno spondylo "
    "thoraco thyro tracheo uretero urethro vaso"
).split()
SUFFIXES = (
    "ectomy otomy ostomy plasty pexy scopy graphy gram itis osis algia megaly pathy "
    "rrhaphy centesis lysis tripsy sclerosis malacia stenosis"
).split()
GENERAL = (
    "access adjacent alignment anatomy approach assessment balloon barrier baseline "
    "blood body breathing camera catheter cells chronic clinic contrast cut device "
    "diet dose drain edge energy exam failure fever field film flow fluid follow-up "
    "function gauze gel guide healing history home hospital imaging incision infusion "
    "instrument laser layer lead light marker measure membrane mesh needle nurse "
    "opening outpatient oxygen pad pattern pressure probe pulse record recovery report "
    "response rest risk room scar screen sensor sheath signal site size sleep solution "
    "specimen splint stitch structure surface surgeon swab symptom system team "
    "technique test therapy tissue trial tube vessel view visit volume wire wound"
).split()
SECTIONS = ("purpose", "preparation", "duration", "setting", "personnel", "benefits", "recovery")


# Clinical terms formed from roots and endings give a long tail of rarer words, drawn
# with Zipf-like weights as in real text: a few words everywhere, most words rarely.
TERMS = [r + x for r in ROOTS for x in SUFFIXES]
WORDS = FILLER + GENERAL + ANATOMY + ACTIONS + CONDITIONS + MODIFIERS + TERMS
WEIGHTS = [1.0 / (rank + 10) for rank in range(len(WORDS))]


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choices(WORDS, WEIGHTS, k=words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(sentence(rng, rng.randint(8, 18)) for _ in range(sentences))


def codes(n: int, avoid: frozenset[str] = frozenset()) -> Iterator[str]:
    """n distinct valid codes not in ``avoid``: five-digit codes, then HCPCS Level II."""
    made = 0
    for number in range(10000, 100000):
        if made == n:
            return
        if f"{number}" in avoid:
            continue
        yield f"{number}"
        made += 1
    for letter in "ABCDEGHJKLMPQRSTV":
        for number in range(10000):
            if made == n:
                return
            yield f"{letter}{number:04d}"
            made += 1
    raise ValueError(f"cannot make {n} distinct codes")


def toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_list(items: list[str]) -> str:
    return "[\n" + "".join(f"    {toml_string(i)},\n" for i in items) + "]"


def record(code: str, rng: random.Random, name: str | None = None) -> str:
    if name is None:
        name = " ".join(
            [
                rng.choice(ACTIONS).capitalize(),
                "of",
                "the",
                rng.choice(ANATOMY),
                rng.choice(MODIFIERS),
                rng.choice(ANATOMY),
            ]
        )
    aliases = [f"{rng.choice(ANATOMY)} {rng.choice(ACTIONS)}" for _ in range(rng.randint(2, 4))] + [
        rng.choice(TERMS) for _ in range(rng.randint(1, 3))
    ]
    indications = [
        f"{rng.choice(CONDITIONS).capitalize()} of the {rng.choice(ANATOMY)}"
        for _ in range(rng.randint(3, 6))
    ]
    lines = [
        f"code = {toml_string(code)}",
        f"name = {toml_string(name)}",
        f'category = "Synthetic / {rng.choice(ANATOMY).capitalize()}"',
        f"aliases = {toml_list(aliases)}",
        f"summary = {toml_string(paragraph(rng, 2))}",
        f"indications = {toml_list(indications)}",
        f"procedure = {toml_list([sentence(rng, 12) for _ in range(rng.randint(3, 5))])}",
        f"tools = {toml_list([sentence(rng, 5) for _ in range(3)])}",
    ]
    lines += [f"{key} = {toml_string(paragraph(rng, 1))}" for key in SECTIONS]
    lines += [
        f"alternatives = {toml_list([sentence(rng, 10) for _ in range(3)])}",
        "",
        "[risks]",
        f"common = {toml_list([sentence(rng, 7) for _ in range(3)])}",
        f"rare = {toml_list([sentence(rng, 7) for _ in range(2)])}",
        "",
        "[patient_experience]",
        f"during = {toml_string(paragraph(rng, 1))}",
        f"after = {toml_string(paragraph(rng, 1))}",
    ]
    return "\n".join(lines) + "\n"


BUNDLED = Path(__file__).resolve().parent.parent / "data" / "procedures"


def generate(n: int, folder: Path, seed: int = 7) -> Path:
    """Write n records (the planted one included) into folder; return the folder.
    Codes of the bundled library are left alone, so queries about them still work."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    avoid = frozenset(p.stem for p in BUNDLED.glob("*.toml"))
    for code in codes(n - 1, avoid):
        (folder / f"{code}.toml").write_text(record(code, rng), encoding="utf-8")
    planted = record(PLANTED_CODE, rng, name=PLANTED_NAME)
    (folder / f"{PLANTED_CODE}.toml").write_text(planted, encoding="utf-8")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int, help="number of records")
    parser.add_argument("folder", type=Path, help="where to write them")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.folder.exists() and any(args.folder.iterdir()):
        sys.stderr.write(f"{args.folder} is not empty; choose a new folder\n")
        return 2
    generate(args.count, args.folder, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
