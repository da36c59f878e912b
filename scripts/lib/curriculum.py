"""What scripts/progress and scripts/check-exercises share: the exercises, and ctest's verdicts."""
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TODO = re.compile(r'DL_TODO\("((ch\d\d)\.([a-z0-9_]+))"\)')


@dataclass
class Exercise:
    name: str          # ch01.sigmoid_forward
    chapter: str       # ch01_perceptron
    file: str          # exercises/ch01_perceptron/logistic.cpp
    anchor: str        # sigmoid-forward

    @property
    def lesson(self):
        return f"chapters/{self.chapter}/README.md#{self.anchor}"


def chapters():
    """The chapter directories, in order."""
    return sorted(d for d in os.listdir(os.path.join(ROOT, "chapters")) if re.match(r"ch\d\d_", d))


def exercises(exercises_dir=None):
    """Every DL_TODO in exercises/, in lesson order (the order of its headings), else file order."""
    exercises_dir = exercises_dir or os.path.join(ROOT, "exercises")
    found = []
    for chapter in chapters():
        cdir = os.path.join(exercises_dir, chapter)
        if not os.path.isdir(cdir):
            continue
        in_chapter = []
        for fname in sorted(os.listdir(cdir)):
            if not fname.endswith(".cpp"):
                continue
            with open(os.path.join(cdir, fname), encoding="utf-8") as f:
                for m in TODO.finditer(f.read()):
                    in_chapter.append(Exercise(m.group(1), chapter, f"exercises/{chapter}/{fname}",
                                               m.group(3).replace("_", "-")))
        anchors = lesson_anchors(chapter)
        in_chapter.sort(key=lambda e: anchors.index(e.anchor) if e.anchor in anchors else len(anchors))
        found.extend(in_chapter)
    return found


def exercises_from_tests(test_names):
    """The exercises named by tests ('ch01.sigmoid_forward gives ...'), in lesson order. Unlike the
    DL_TODO markers, this list does not shrink as a learner replaces stubs."""
    found = {}
    for name in test_names:
        ex = exercise_of(name)
        if not ex or ex in found:
            continue
        chapter = next((c for c in chapters() if c.startswith(ex[:4] + "_")), None)
        if chapter is None:
            continue
        func = ex.split(".", 1)[1]
        found[ex] = Exercise(ex, chapter, defining_file(chapter, func), func.replace("_", "-"))
    ordered = []
    for chapter in chapters():
        anchors = lesson_anchors(chapter)
        exs = [e for e in found.values() if e.chapter == chapter]
        exs.sort(key=lambda e: anchors.index(e.anchor) if e.anchor in anchors else len(anchors))
        ordered.extend(exs)
    return ordered


def defining_file(chapter, func):
    """exercises/<chapter>/<file> whose reference twin defines `func` (the files mirror each other)."""
    sol = os.path.join(ROOT, "solutions", chapter)
    for fname in sorted(os.listdir(sol)) if os.path.isdir(sol) else []:
        with open(os.path.join(sol, fname), encoding="utf-8") as f:
            if re.search(r"^(?!//)\S.*\b" + re.escape(func) + r"\s*\(", f.read(), re.M):   # not a comment
                return f"exercises/{chapter}/{fname}"
    # An exercise named for a group of functions (chapter 8's binary_ops): the stub that marks it.
    stubs = os.path.join(ROOT, "exercises", chapter)
    marker = f'DL_TODO("{chapter[:4]}.{func}")'
    for fname in sorted(os.listdir(stubs)) if os.path.isdir(stubs) else []:
        with open(os.path.join(stubs, fname), encoding="utf-8") as f:
            if marker in f.read():
                return f"exercises/{chapter}/{fname}"
    return f"exercises/{chapter}/"


def reference_chapters(build_dir):
    """The chapters ('ch01', ...) a build takes from solutions/ (its DLFS_SOLUTIONS)."""
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith("DLFS_SOLUTIONS:STRING="):
                    value = line.split("=", 1)[1].strip()
                    if value == "all":
                        return {c[:4] for c in chapters()}
                    return {p.strip()[:4] for p in re.split(r"[;,]", value) if p.strip().startswith("ch")}
    except OSError:
        pass
    return set()


def lesson_anchors(chapter):
    """GitHub-style anchors of the headings of a chapter's lesson, in order."""
    path = os.path.join(ROOT, "chapters", chapter, "README.md")
    if not os.path.exists(path):
        return []
    anchors = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
            if m:
                text = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower())
                anchors.append(text.replace(" ", "-"))
    return anchors


@dataclass
class TestResult:
    name: str
    status: str        # passed | failed | skipped | notrun
    output: str = ""
    labels: list = field(default_factory=list)


def run_ctest(build_dir, label_regex=None, jobs=None):
    """Runs ctest in build_dir and returns {test name: TestResult} from its JUnit report."""
    jobs = jobs or os.cpu_count() or 2
    with tempfile.TemporaryDirectory() as tmp:
        junit = os.path.join(tmp, "results.xml")
        cmd = ["ctest", "--test-dir", build_dir, "-j", str(jobs), "--output-junit", junit, "--timeout", "300"]
        if label_regex:
            cmd += ["-L", label_regex]
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        if not os.path.exists(junit):
            sys.exit(f"ctest wrote no results in {build_dir}: is it built?")
        results = {}
        for case in ET.parse(junit).getroot().iter("testcase"):
            name = case.get("name")
            status = case.get("status", "")
            if case.find("skipped") is not None or status == "disabled":
                status = "skipped"
            elif case.find("failure") is not None or status == "fail":
                status = "failed"
            elif status == "run":
                status = "passed"
            out = case.find("system-out")
            text = out.text if out is not None and out.text else ""
            results[name] = TestResult(name, status, text)
        return results


def exercise_of(test_name):
    """'ch01.sigmoid_forward gives ...' -> 'ch01.sigmoid_forward' (None for plumbing tests)."""
    m = re.match(r"(ch\d\d\.[a-z0-9_]+)\s", test_name)
    return m.group(1) if m else None
