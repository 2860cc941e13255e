"""Documented rule tables that derive the flags the GNU Health catalogues do not carry.

The packages give codes and names only. The 医保版 catalogues add, per diagnosis, a sex
restriction and whether the code may be the principal diagnosis (主要诊断), and per procedure
its class (手术 / 介入治疗 / 治疗性操作 / 诊断性操作). Here those flags are derived from the
structure of ICD-10 and ICD-9-CM-3 (chapters, blocks, categories), by tables a reader can check
against the tabular lists. The tables are data; the few functions at the bottom only apply them.

Range semantics (the same everywhere, including `seeds/mdc_diagnosis_rules.csv`): a code `c` is
in the range `(lo, hi)` when `c[:len(lo)] >= lo` and `c[:len(hi)] <= hi`, comparing dotted codes
as text. So `("C51", "C58")` holds `C51`, `C53.0`, `C58`; `("D07.0", "D07.3")` holds
`D07.0`..`D07.3` but not the category `D07` itself.
"""

from __future__ import annotations

# --- ICD-10: sex restrictions -------------------------------------------------------------
# WHO ICD-10 Volume 2 (4.2.4, "Checking for consistency with sex") lists the codes valid for
# one sex only; these are those lists, as ranges. (code_from, code_to, sex, why)
SEX_RESTRICTIONS: tuple[tuple[str, str, str, str], ...] = (
    # Female only (F)
    ("A34", "A34", "F", "obstetrical tetanus"),
    ("B37.3", "B37.3", "F", "candidiasis of vulva and vagina"),
    ("C51", "C58", "F", "malignant neoplasms of female genital organs"),
    ("C79.6", "C79.6", "F", "secondary malignant neoplasm of ovary"),
    ("D06", "D06", "F", "carcinoma in situ of cervix uteri"),
    ("D07.0", "D07.3", "F", "carcinoma in situ of endometrium, vulva, vagina, other female genital"),
    ("D25", "D28", "F", "benign neoplasms of uterus, ovary and other female genital organs"),
    ("D39", "D39", "F", "neoplasms of uncertain behaviour of female genital organs"),
    ("E28", "E28", "F", "ovarian dysfunction"),
    ("E89.4", "E89.4", "F", "postprocedural ovarian failure"),
    ("F52.5", "F52.5", "F", "nonorganic vaginismus"),
    ("F53", "F53", "F", "mental disorders associated with the puerperium"),
    ("I86.3", "I86.3", "F", "vulval varices"),
    ("L29.2", "L29.2", "F", "pruritus vulvae"),
    ("M80.0", "M80.0", "F", "postmenopausal osteoporosis with pathological fracture"),
    ("M81.0", "M81.0", "F", "postmenopausal osteoporosis"),
    ("N70", "N98", "F", "diseases of the female pelvic organs and genital tract"),
    ("N99.2", "N99.3", "F", "postoperative adhesions of vagina; prolapse of vaginal vault"),
    ("O00", "O99", "F", "chapter XV pregnancy, childbirth and the puerperium"),
    ("Q50", "Q52", "F", "congenital malformations of ovaries, uterus, cervix and female genitalia"),
    ("R87", "R87", "F", "abnormal findings in specimens from female genital organs"),
    ("S31.4", "S31.4", "F", "open wound of vagina and vulva"),
    ("S37.4", "S37.6", "F", "injury of ovary, fallopian tube, uterus"),
    ("T19.2", "T19.3", "F", "foreign body in vulva and vagina, uterus"),
    ("T83.3", "T83.3", "F", "mechanical complication of intrauterine contraceptive device"),
    ("Z01.4", "Z01.4", "F", "gynaecological examination"),
    ("Z12.4", "Z12.4", "F", "screening for neoplasm of cervix"),
    ("Z30.1", "Z30.1", "F", "insertion of intrauterine contraceptive device"),
    ("Z30.3", "Z30.3", "F", "menstrual extraction"),
    ("Z30.5", "Z30.5", "F", "surveillance of intrauterine contraceptive device"),
    ("Z31.1", "Z31.2", "F", "artificial insemination; in vitro fertilization"),
    ("Z32", "Z37", "F", "pregnancy examination, supervision, antenatal screening, outcome of delivery"),
    ("Z39", "Z39", "F", "postpartum care and examination"),
    ("Z43.7", "Z43.7", "F", "attention to artificial vagina"),
    ("Z87.5", "Z87.5", "F", "personal history of complications of pregnancy"),
    ("Z97.5", "Z97.5", "F", "presence of (intrauterine) contraceptive device"),
    # Male only (M)
    ("B26.0", "B26.0", "M", "mumps orchitis"),
    ("C60", "C63", "M", "malignant neoplasms of male genital organs"),
    ("D07.4", "D07.6", "M", "carcinoma in situ of penis, prostate, other male genital"),
    ("D29", "D29", "M", "benign neoplasm of male genital organs"),
    ("D40", "D40", "M", "neoplasms of uncertain behaviour of male genital organs"),
    ("E29", "E29", "M", "testicular dysfunction"),
    ("E89.5", "E89.5", "M", "postprocedural testicular hypofunction"),
    ("F52.4", "F52.4", "M", "premature ejaculation"),
    ("I86.1", "I86.1", "M", "scrotal varices"),
    ("L29.1", "L29.1", "M", "pruritus scroti"),
    ("N40", "N51", "M", "diseases of male genital organs"),
    ("Q53", "Q55", "M", "undescended testicle, hypospadias, other male genital malformations"),
    ("R86", "R86", "M", "abnormal findings in specimens from male genital organs"),
    ("S31.2", "S31.3", "M", "open wound of penis; of scrotum and testes"),
    ("Z12.5", "Z12.5", "M", "screening for neoplasm of prostate"),
)

# --- ICD-10: codes that may not be the principal diagnosis --------------------------------
# (code_from, code_to, reason_code, why). The first matching row gives the reason.
# Reason codes are the values of `principal_restriction_reason`:
#   external_cause  chapter XX (V01-Y98) describes how an injury happened, never what was treated
#                   (WHO Vol. 2 4.4.4; 医保结算清单填写规范: 外部原因编码不能作为主要诊断).
#   manifestation   asterisk (*) categories of the dagger-asterisk system: the manifestation of
#                   a disease classified elsewhere; the dagger (†) etiology code is principal.
#                   Listed as whole asterisk categories of WHO ICD-10 (the package does not
#                   mark asterisks).
#   supplementary   codes WHO designates for supplementary use only (organism B95-B97,
#                   antimicrobial resistance U82-U85).
#   status_history  Z codes for outcome of delivery, incidental pregnancy, family and personal
#                   history and status: they qualify an episode, they are not its reason.
#   death_unknown   R95-R99 ill-defined causes of death: not a reason for an inpatient stay.
#   not_leaf        a category that has subcategories: the most specific code must be used.
# All other codes, including symptom codes (R00-R94) and the remaining Z codes (e.g. Z51.1
# chemotherapy session, Z47 orthopaedic aftercare, Z38 liveborn infant), may be principal.
NOT_PRINCIPAL: tuple[tuple[str, str, str, str], ...] = (
    ("V01", "Y98", "external_cause", "chapter XX external causes of morbidity and mortality"),
    ("B95", "B97", "supplementary", "bacterial, viral and other infectious agents as the cause"),
    ("U82", "U85", "supplementary", "resistance to antimicrobial and antineoplastic drugs"),
    ("R95", "R99", "death_unknown", "sudden infant death, other sudden death, unknown cause"),
    ("Z33", "Z33", "status_history", "pregnant state, incidental"),
    ("Z37", "Z37", "status_history", "outcome of delivery (coded on the mother's record)"),
    ("Z80", "Z99", "status_history", "family/personal history, allergy status, dependence on devices"),
    # Asterisk (manifestation) categories, WHO ICD-10 tabular list.
    ("D63", "D63", "manifestation", "anaemia in chronic diseases classified elsewhere"),
    ("D77", "D77", "manifestation", "other disorders of blood in diseases classified elsewhere"),
    ("E35", "E35", "manifestation", "disorders of endocrine glands in diseases classified elsewhere"),
    ("E90", "E90", "manifestation", "nutritional and metabolic disorders in diseases classified elsewhere"),
    ("F00", "F00", "manifestation", "dementia in Alzheimer disease (G30†)"),
    ("F02", "F02", "manifestation", "dementia in other diseases classified elsewhere"),
    ("G01", "G02", "manifestation", "meningitis in diseases classified elsewhere"),
    ("G05", "G05", "manifestation", "encephalitis, myelitis in diseases classified elsewhere"),
    ("G07", "G07", "manifestation", "intracranial abscess in diseases classified elsewhere"),
    ("G13", "G13", "manifestation", "systemic atrophies in diseases classified elsewhere"),
    ("G22", "G22", "manifestation", "parkinsonism in diseases classified elsewhere"),
    ("G26", "G26", "manifestation", "movement disorders in diseases classified elsewhere"),
    ("G32", "G32", "manifestation", "degenerative disorders in diseases classified elsewhere"),
    ("G46", "G46", "manifestation", "vascular syndromes of brain in cerebrovascular diseases"),
    ("G53", "G53", "manifestation", "cranial nerve disorders in diseases classified elsewhere"),
    ("G55", "G55", "manifestation", "nerve root compressions in diseases classified elsewhere"),
    ("G59", "G59", "manifestation", "mononeuropathy in diseases classified elsewhere"),
    ("G63", "G63", "manifestation", "polyneuropathy in diseases classified elsewhere"),
    ("G73", "G73", "manifestation", "disorders of myoneural junction in diseases classified elsewhere"),
    ("G94", "G94", "manifestation", "other disorders of brain in diseases classified elsewhere"),
    ("G99", "G99", "manifestation", "other disorders of nervous system in diseases classified elsewhere"),
    ("H03", "H03", "manifestation", "disorders of eyelid in diseases classified elsewhere"),
    ("H06", "H06", "manifestation", "disorders of lacrimal system and orbit in diseases classified elsewhere"),
    ("H13", "H13", "manifestation", "disorders of conjunctiva in diseases classified elsewhere"),
    ("H19", "H19", "manifestation", "disorders of sclera and cornea in diseases classified elsewhere"),
    ("H22", "H22", "manifestation", "disorders of iris and ciliary body in diseases classified elsewhere"),
    ("H28", "H28", "manifestation", "cataract in diseases classified elsewhere"),
    ("H32", "H32", "manifestation", "chorioretinal disorders in diseases classified elsewhere"),
    ("H36", "H36", "manifestation", "retinal disorders in diseases classified elsewhere"),
    ("H42", "H42", "manifestation", "glaucoma in diseases classified elsewhere"),
    ("H45", "H45", "manifestation", "disorders of vitreous body and globe in diseases classified elsewhere"),
    ("H48", "H48", "manifestation", "disorders of optic nerve in diseases classified elsewhere"),
    ("H58", "H58", "manifestation", "other disorders of eye in diseases classified elsewhere"),
    ("H62", "H62", "manifestation", "disorders of external ear in diseases classified elsewhere"),
    ("H67", "H67", "manifestation", "otitis media in diseases classified elsewhere"),
    ("H75", "H75", "manifestation", "disorders of middle ear in diseases classified elsewhere"),
    ("H82", "H82", "manifestation", "vertiginous syndromes in diseases classified elsewhere"),
    ("H94", "H94", "manifestation", "other disorders of ear in diseases classified elsewhere"),
    ("I32", "I32", "manifestation", "pericarditis in diseases classified elsewhere"),
    ("I39", "I39", "manifestation", "endocarditis and valve disorders in diseases classified elsewhere"),
    ("I41", "I41", "manifestation", "myocarditis in diseases classified elsewhere"),
    ("I43", "I43", "manifestation", "cardiomyopathy in diseases classified elsewhere"),
    ("I52", "I52", "manifestation", "other heart disorders in diseases classified elsewhere"),
    ("I68", "I68", "manifestation", "cerebrovascular disorders in diseases classified elsewhere"),
    ("I79", "I79", "manifestation", "disorders of arteries in diseases classified elsewhere"),
    ("I98", "I98", "manifestation", "other disorders of circulatory system in diseases classified elsewhere"),
    ("J17", "J17", "manifestation", "pneumonia in diseases classified elsewhere"),
    ("J91", "J91", "manifestation", "pleural effusion in conditions classified elsewhere"),
    ("J99", "J99", "manifestation", "respiratory disorders in diseases classified elsewhere"),
    ("K23", "K23", "manifestation", "disorders of oesophagus in diseases classified elsewhere"),
    ("K67", "K67", "manifestation", "disorders of peritoneum in infectious diseases classified elsewhere"),
    ("K77", "K77", "manifestation", "liver disorders in diseases classified elsewhere"),
    ("K87", "K87", "manifestation", "disorders of gallbladder and pancreas in diseases classified elsewhere"),
    ("K93", "K93", "manifestation", "disorders of other digestive organs in diseases classified elsewhere"),
    ("L14", "L14", "manifestation", "bullous disorders in diseases classified elsewhere"),
    ("L45", "L45", "manifestation", "papulosquamous disorders in diseases classified elsewhere"),
    ("L54", "L54", "manifestation", "erythema in diseases classified elsewhere"),
    ("L62", "L62", "manifestation", "nail disorders in diseases classified elsewhere"),
    ("L86", "L86", "manifestation", "keratoderma in diseases classified elsewhere"),
    ("L99", "L99", "manifestation", "other disorders of skin in diseases classified elsewhere"),
    ("M01", "M01", "manifestation", "direct infections of joint in diseases classified elsewhere"),
    ("M03", "M03", "manifestation", "postinfective and reactive arthropathies in diseases classified elsewhere"),
    ("M07", "M07", "manifestation", "psoriatic and enteropathic arthropathies"),
    ("M09", "M09", "manifestation", "juvenile arthritis in diseases classified elsewhere"),
    ("M14", "M14", "manifestation", "arthropathies in other diseases classified elsewhere"),
    ("M36", "M36", "manifestation", "systemic disorders of connective tissue in diseases classified elsewhere"),
    ("M49", "M49", "manifestation", "spondylopathies in diseases classified elsewhere"),
    ("M63", "M63", "manifestation", "disorders of muscle in diseases classified elsewhere"),
    ("M68", "M68", "manifestation", "disorders of synovium and tendon in diseases classified elsewhere"),
    ("M73", "M73", "manifestation", "soft tissue disorders in diseases classified elsewhere"),
    ("M82", "M82", "manifestation", "osteoporosis in diseases classified elsewhere"),
    ("M90", "M90", "manifestation", "osteopathies in diseases classified elsewhere"),
    ("N08", "N08", "manifestation", "glomerular disorders in diseases classified elsewhere"),
    ("N16", "N16", "manifestation", "renal tubulo-interstitial disorders in diseases classified elsewhere"),
    ("N22", "N22", "manifestation", "calculus of urinary tract in diseases classified elsewhere"),
    ("N29", "N29", "manifestation", "other disorders of kidney and ureter in diseases classified elsewhere"),
    ("N33", "N33", "manifestation", "bladder disorders in diseases classified elsewhere"),
    ("N37", "N37", "manifestation", "urethral disorders in diseases classified elsewhere"),
    ("N51", "N51", "manifestation", "disorders of male genital organs in diseases classified elsewhere"),
    ("N74", "N74", "manifestation", "female pelvic inflammatory disorders in diseases classified elsewhere"),
    ("N77", "N77", "manifestation", "vulvovaginal ulceration and inflammation in diseases classified elsewhere"),
)
NOT_LEAF_REASON = "not_leaf"

PRINCIPAL_RESTRICTION_REASONS: dict[str, str] = {
    "external_cause": "chapter XX external cause (V01-Y98): code the injury itself as principal",
    "manifestation": "asterisk (manifestation) code: the dagger etiology code is principal",
    "supplementary": "supplementary code (infectious agent, drug resistance): secondary only",
    "status_history": "history, status or outcome-of-delivery Z code: secondary only",
    "death_unknown": "ill-defined cause of death (R95-R99): not a reason for admission",
    NOT_LEAF_REASON: "category with subcategories: code to the most specific level",
}

# --- ICD-9-CM-3: procedure classes ---------------------------------------------------------
# Classes (oprn_class): surgery (手术), non_or (介入/内镜等非手术室操作), therapeutic (治疗性操作),
# diagnostic (诊断性操作). The first matching rule wins; rules are checked in this order:
#   1. OR_DIAGNOSTIC codes and descriptions with "open biopsy": diagnostic operations that need
#      an operating room (class diagnostic, is_or 1);
#   2. chapters 87-99 by sub-chapter (SUBCHAPTER_87_99), never in the operating room;
#   3. NON_OR_PREFIXES: interventional, endoscopic and bedside procedures within chapters 00-86;
#   4. DIAGNOSTIC_PREFIXES: "diagnostic procedures on ..." categories of chapters 01-86 and
#      intravascular imaging/pressure measurement in chapter 00;
#   5. DIAGNOSTIC_KEYWORDS in the English description (closed/endoscopic biopsy, -scopy);
#   6. everything else in 00-86 (operations on body systems): surgery.
# is_or (手术室手术) = 1 for class surgery and for rule 1, else 0.

# Diagnostic operations done in the operating room, under anaesthesia.
OR_DIAGNOSTIC: tuple[tuple[str, str], ...] = (
    ("34.21", "transpleural thoracoscopy"),
    ("34.22", "mediastinoscopy"),
    ("54.21", "laparoscopy"),
    ("01.18", "other diagnostic procedures on brain and cerebral meninges (craniotomy exploration)"),
)

# Prefix of the dotted code → why it is a non-OR procedure (CHS-DRG places these in the
# non-OR-procedure ADRGs, second letter K-Q, e.g. FM1 PCI, GK1 endoscopic procedures).
NON_OR_PREFIXES: tuple[tuple[str, str], ...] = (
    ("00.4", "adjunct vascular procedures (number of vessels, stents)"),
    ("00.55", "insertion of drug-eluting peripheral vessel stent"),
    ("00.61", "percutaneous angioplasty of precerebral vessels"),
    ("00.62", "percutaneous angioplasty of intracranial vessels"),
    ("00.63", "percutaneous insertion of carotid artery stent"),
    ("00.64", "percutaneous insertion of other precerebral artery stent"),
    ("00.65", "percutaneous insertion of intracranial vascular stent"),
    ("00.66", "percutaneous transluminal coronary angioplasty (PCI)"),
    ("03.91", "injection of anaesthetic into spinal canal for analgesia"),
    ("03.92", "injection of other agent into spinal canal"),
    ("03.95", "spinal blood patch"),
    ("31.93", "replacement of laryngeal or tracheal stent"),
    ("33.71", "endoscopic insertion or replacement of bronchial valve"),
    ("33.78", "endoscopic removal of bronchial device"),
    ("34.04", "insertion of intercostal catheter for drainage"),
    ("34.91", "thoracentesis"),
    ("34.92", "injection into thoracic cavity (pleurodesis)"),
    ("36.06", "insertion of non-drug-eluting coronary artery stent"),
    ("36.07", "insertion of drug-eluting coronary artery stent"),
    ("36.09", "other removal of coronary artery obstruction (percutaneous)"),
    ("37.34", "catheter ablation of lesion of heart"),
    ("37.78", "insertion of temporary transvenous pacemaker system"),
    ("37.90", "insertion of left atrial appendage device (percutaneous)"),
    ("38.91", "arterial catheterization"),
    ("38.92", "umbilical vein catheterization"),
    ("38.93", "venous catheterization"),
    ("38.94", "venous cutdown"),
    ("38.95", "venous catheterization for renal dialysis"),
    ("38.97", "central venous catheter placement with guidance"),
    ("38.98", "other puncture of artery"),
    ("38.99", "other puncture of vein"),
    ("39.50", "angioplasty of other non-coronary vessel(s)"),
    ("39.79", "other endovascular procedures on other vessels (embolization, TACE)"),
    ("39.90", "insertion of non-drug-eluting peripheral vessel stent"),
    ("39.95", "hemodialysis"),
    ("41.91", "aspiration of bone marrow from donor for transplant"),
    ("42.33", "endoscopic excision or destruction of lesion of esophagus"),
    ("42.81", "insertion of permanent tube into esophagus (endoscopic stent)"),
    ("42.92", "dilation of esophagus"),
    ("43.41", "endoscopic excision or destruction of lesion of stomach"),
    ("44.22", "endoscopic dilation of pylorus"),
    ("44.43", "endoscopic control of gastric or duodenal bleeding"),
    ("44.44", "transcatheter embolization for gastric or duodenal bleeding"),
    ("45.30", "endoscopic excision or destruction of lesion of duodenum"),
    ("45.42", "endoscopic polypectomy of large intestine"),
    ("45.43", "endoscopic destruction of other lesion of large intestine"),
    ("46.85", "dilation of intestine"),
    ("48.36", "(endoscopic) polypectomy of rectum"),
    ("50.91", "percutaneous aspiration of liver"),
    ("51.84", "endoscopic dilation of ampulla and biliary duct (ERCP)"),
    ("51.85", "endoscopic sphincterotomy and papillotomy (ERCP)"),
    ("51.86", "endoscopic insertion of nasobiliary drainage tube (ERCP)"),
    ("51.87", "endoscopic insertion of stent into bile duct (ERCP)"),
    ("51.88", "endoscopic removal of stone(s) from biliary tract (ERCP)"),
    ("51.98", "other percutaneous procedures on biliary tract"),
    ("52.93", "endoscopic insertion of stent into pancreatic duct"),
    ("52.94", "endoscopic removal of stone(s) from pancreatic duct"),
    ("52.97", "endoscopic insertion of nasopancreatic drainage tube"),
    ("52.98", "endoscopic dilation of pancreatic duct"),
    ("54.91", "percutaneous abdominal drainage (paracentesis)"),
    ("55.92", "percutaneous aspiration of kidney (pelvis)"),
    ("57.94", "insertion of indwelling urinary catheter"),
    ("57.95", "replacement of indwelling urinary catheter"),
    ("59.8", "ureteral catheterization"),
    ("72.", "forceps, vacuum and breech delivery"),
    ("73.", "other procedures inducing or assisting delivery"),
    ("75.4", "manual removal of retained placenta"),
    ("75.6", "repair of other current obstetric laceration"),
    ("75.7", "manual exploration of uterine cavity, postpartum"),
    ("86.01", "aspiration of skin and subcutaneous tissue"),
    ("86.04", "other incision with drainage of skin and subcutaneous tissue"),
    ("86.05", "incision with removal of foreign body from skin"),
    ("86.28", "nonexcisional debridement of wound"),
    ("86.59", "closure of skin and subcutaneous tissue of other sites (suture)"),
)

# Prefixes of "diagnostic procedures on ..." categories and diagnostic chapter-00 codes.
DIAGNOSTIC_PREFIXES: tuple[tuple[str, str], ...] = (
    ("00.2", "intravascular imaging of blood vessels"),
    ("00.59", "intravascular pressure measurement of coronary arteries"),
    ("00.67", "intravascular pressure measurement of intrathoracic arteries"),
    ("00.68", "intravascular pressure measurement of peripheral arteries"),
    ("00.69", "intravascular pressure measurement, other specified and unspecified vessels"),
    ("00.94", "intra-operative neurophysiologic monitoring"),
    ("01.1", "diagnostic procedures on skull, brain and cerebral meninges"),
    ("03.3", "diagnostic procedures on spinal cord and spinal canal structures"),
    ("04.1", "diagnostic procedures on peripheral nervous system"),
    ("05.1", "diagnostic procedures on sympathetic nerves or ganglia"),
    ("06.1", "diagnostic procedures on thyroid and parathyroid glands"),
    ("07.1", "diagnostic procedures on adrenal glands, pituitary gland, pineal gland, thymus"),
    ("08.1", "diagnostic procedures on eyelid"),
    ("09.1", "diagnostic procedures on lacrimal system"),
    ("10.2", "diagnostic procedures on conjunctiva"),
    ("11.2", "diagnostic procedures on cornea"),
    ("12.2", "diagnostic procedures on iris, ciliary body, sclera and anterior chamber"),
    ("14.1", "diagnostic procedures on retina, choroid, vitreous and posterior chamber"),
    ("15.0", "diagnostic procedures on extraocular muscles or tendons"),
    ("16.2", "diagnostic procedures on orbit and eyeball"),
    ("18.1", "diagnostic procedures on external ear"),
    ("20.3", "diagnostic procedures on middle and inner ear"),
    ("21.2", "diagnostic procedures on nose"),
    ("22.1", "diagnostic procedures on nasal sinus"),
    ("24.1", "diagnostic procedures on teeth, gums and alveoli"),
    ("25.0", "diagnostic procedures on tongue"),
    ("26.1", "diagnostic procedures on salivary glands and ducts"),
    ("27.2", "diagnostic procedures on oral cavity"),
    ("28.1", "diagnostic procedures on tonsils and adenoids"),
    ("29.1", "diagnostic procedures on pharynx"),
    ("31.4", "diagnostic procedures on larynx and trachea"),
    ("33.2", "diagnostic procedures on lung and bronchus"),
    ("34.2", "diagnostic procedures on chest wall, pleura, mediastinum and diaphragm"),
    ("37.2", "diagnostic procedures on heart and pericardium (cardiac catheterization, EP study)"),
    ("38.2", "diagnostic procedures on blood vessels"),
    ("40.1", "diagnostic procedures on lymphatic structures"),
    ("41.3", "other diagnostic procedures on bone marrow and spleen"),
    ("42.2", "diagnostic procedures on esophagus"),
    ("44.1", "diagnostic procedures on stomach"),
    ("45.1", "diagnostic procedures on small intestine"),
    ("45.2", "diagnostic procedures on large intestine"),
    ("48.2", "diagnostic procedures on rectum, rectosigmoid and perirectal tissue"),
    ("49.2", "diagnostic procedures on anus and perianal tissue"),
    ("50.1", "diagnostic procedures on liver"),
    ("51.1", "diagnostic procedures on biliary tract"),
    ("52.1", "diagnostic procedures on pancreas"),
    ("54.2", "diagnostic procedures on abdominal region"),
    ("55.2", "diagnostic procedures on kidney"),
    ("56.3", "diagnostic procedures on ureter"),
    ("57.3", "diagnostic procedures on bladder"),
    ("58.2", "diagnostic procedures on urethra"),
    ("59.2", "diagnostic procedures on perirenal and perivesical tissue"),
    ("60.1", "diagnostic procedures on prostate and seminal vesicles"),
    ("61.1", "diagnostic procedures on scrotum and tunica vaginalis"),
    ("62.1", "diagnostic procedures on testes"),
    ("63.0", "diagnostic procedures on spermatic cord, epididymis and vas deferens"),
    ("64.1", "diagnostic procedures on the penis"),
    ("65.1", "diagnostic procedures on ovaries"),
    ("66.1", "diagnostic procedures on fallopian tubes"),
    ("67.1", "diagnostic procedures on cervix"),
    ("68.1", "diagnostic procedures on uterus and supporting structures"),
    ("70.2", "diagnostic procedures on vagina and cul-de-sac"),
    ("71.1", "diagnostic procedures on vulva"),
    ("75.1", "diagnostic amniocentesis"),
    ("75.3", "fetal monitoring and other intrauterine diagnostic procedures"),
    ("76.1", "diagnostic procedures on facial bones and joints"),
    ("77.4", "biopsy of bone"),
    ("80.3", "biopsy of joint structure"),
    ("83.2", "diagnostic procedures on muscle, tendon, fascia and bursa"),
    ("85.1", "diagnostic procedures on breast"),
    ("86.1", "diagnostic procedures on skin and subcutaneous tissue"),
)

# Keywords (lower-case English description) that mark a diagnostic procedure in 00-86 when no
# prefix rule matched. "open biopsy" was caught by rule 1 before: an operation to take tissue.
DIAGNOSTIC_KEYWORDS: tuple[str, ...] = (
    "closed biopsy", "endoscopic biopsy", "percutaneous biopsy", "needle biopsy", "brush biopsy",
    "biopsy", "diagnostic", "endoscopy", "bronchoscopy", "esophagoscopy", "gastroscopy",
    "colonoscopy", "cystoscopy", "sigmoidoscopy", "proctosigmoidoscopy", "laryngoscopy",
    "arthroscopy", "hysteroscopy", "colposcopy", "ureteroscopy", "nephroscopy", "retrograde pyelogram",
)
OR_DIAGNOSTIC_KEYWORDS: tuple[str, ...] = ("open biopsy",)

# Chapters 87-99 (miscellaneous diagnostic and therapeutic procedures), by sub-chapter prefix.
# More specific prefixes first; the first match wins.
SUBCHAPTER_87_99: tuple[tuple[str, str, str], ...] = (
    ("87", "diagnostic", "diagnostic radiology"),
    ("88", "diagnostic", "other diagnostic radiology and related techniques (CT, ultrasound, MRI)"),
    ("89", "diagnostic", "interview, evaluation, consultation and examination"),
    ("90", "diagnostic", "microscopic examination I"),
    ("91", "diagnostic", "microscopic examination II"),
    ("92.0", "diagnostic", "radioisotope scan and function study"),
    ("92.1", "diagnostic", "other radioisotope scan"),
    ("92", "therapeutic", "radiotherapy and stereotactic radiosurgery (92.2-92.3)"),
    ("93.0", "diagnostic", "diagnostic physical therapy"),
    ("93", "therapeutic", "physical therapy, respiratory therapy, rehabilitation"),
    ("94.0", "diagnostic", "psychologic evaluation and testing"),
    ("94.1", "diagnostic", "psychiatric interviews, consultations and evaluations"),
    ("94", "therapeutic", "psychiatric therapy"),
    ("95.0", "diagnostic", "general and subjective eye examination"),
    ("95.1", "diagnostic", "examinations of form and structure of eye"),
    ("95.2", "diagnostic", "objective functional tests of eye"),
    ("95.4", "diagnostic", "nonoperative procedures related to hearing (audiometry)"),
    ("95", "therapeutic", "special vision services (95.3)"),
    ("96", "therapeutic", "nonoperative intubation, irrigation, mechanical ventilation"),
    ("97", "therapeutic", "replacement and removal of therapeutic appliances"),
    ("98", "therapeutic", "nonoperative removal of foreign body or calculus (incl. ESWL)"),
    ("99", "therapeutic", "other nonoperative procedures (transfusion, injection, chemotherapy)"),
)

# ICD-9-CM volume 3 chapters by two-digit category (the `chapter` column of procedures).
PROCEDURE_CHAPTERS: tuple[tuple[str, str, str], ...] = (
    ("00", "00", "procedures and interventions, not elsewhere classified"),
    ("01", "05", "operations on the nervous system"),
    ("06", "07", "operations on the endocrine system"),
    ("08", "16", "operations on the eye"),
    ("17", "17", "other miscellaneous diagnostic and therapeutic procedures"),
    ("18", "20", "operations on the ear"),
    ("21", "29", "operations on the nose, mouth and pharynx"),
    ("30", "34", "operations on the respiratory system"),
    ("35", "39", "operations on the cardiovascular system"),
    ("40", "41", "operations on the hemic and lymphatic system"),
    ("42", "54", "operations on the digestive system"),
    ("55", "59", "operations on the urinary system"),
    ("60", "64", "operations on the male genital organs"),
    ("65", "71", "operations on the female genital organs"),
    ("72", "75", "obstetrical procedures"),
    ("76", "84", "operations on the musculoskeletal system"),
    ("85", "86", "operations on the integumentary system"),
    ("87", "99", "miscellaneous diagnostic and therapeutic procedures"),
)


# --- applying the tables -------------------------------------------------------------------

def in_range(code: str, code_from: str, code_to: str) -> bool:
    """Whether a dotted code lies in [code_from, code_to] (see the module docstring)."""
    return code[: len(code_from)] >= code_from and code[: len(code_to)] <= code_to


def sex_restriction(code: str) -> str:
    """'M', 'F' or '' (both sexes) for an ICD-10 code."""
    for lo, hi, sex, _why in SEX_RESTRICTIONS:
        if in_range(code, lo, hi):
            return sex
    return ""


def principal_restriction(code: str, is_leaf: bool) -> str:
    """The reason code why an ICD-10 code may not be principal, or '' when it may."""
    for lo, hi, reason, _why in NOT_PRINCIPAL:
        if in_range(code, lo, hi):
            return reason
    return "" if is_leaf else NOT_LEAF_REASON


def procedure_chapter(code: str) -> str:
    """The ICD-9-CM-3 chapter of a dotted procedure code, as its category range ('35-39')."""
    cat = code[:2]
    for lo, hi, _name in PROCEDURE_CHAPTERS:
        if lo <= cat <= hi:
            return lo if lo == hi else f"{lo}-{hi}"
    raise ValueError(f"procedure code {code!r} is outside ICD-9-CM-3 chapters 00-99")


def _first_prefix(code: str, table) -> str | None:
    for row in table:
        if code.startswith(row[0]):
            return row[0]
    return None


def procedure_class(code: str, description_en: str) -> tuple[str, bool]:
    """(oprn_class, is_or) for a dotted ICD-9-CM-3 code and its English description."""
    text = description_en.lower()
    if any(code == c for c, _ in OR_DIAGNOSTIC) or any(k in text for k in OR_DIAGNOSTIC_KEYWORDS):
        return "diagnostic", True
    if code[:2] >= "87":
        for prefix, cls, _why in SUBCHAPTER_87_99:
            if code.startswith(prefix):
                return cls, False
        raise ValueError(f"procedure code {code!r} matches no sub-chapter of 87-99")
    if _first_prefix(code, NON_OR_PREFIXES):
        return "non_or", False
    if _first_prefix(code, DIAGNOSTIC_PREFIXES):
        return "diagnostic", False
    if any(k in text for k in DIAGNOSTIC_KEYWORDS):
        return "diagnostic", False
    return "surgery", True
