#!/usr/bin/python3
"""test-seam.py LIBSPFC INTERNAL_ARCHIVE INCLUDE_DIR PROGRAM...: the public
API is the only way from the programs into the library.

Checks, one line each ("ok   name" / "FAIL name: detail"):
  - exports-only-spfc: the shared libspfc exports spfc_* names and nothing
    else (its version script);
  - no-internal-helpers: the backend accessors spfc_resolver_self and
    spfc_resolver_ops_of are neither exported nor declared in a public
    header (they are the library's own, src/lib/resolver_priv.h);
  - PROGRAM-links-libspfc: the program needs libspfc.so.0 at run time;
  - PROGRAM-no-internals: the program holds none of the library's code: no
    global symbol of the internal archive is defined in it, so whatever it
    calls goes through the exported API.
Closes with "N passed, M failed"; exit 1 on any failure.
"""
import os
import subprocess
import sys

passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + name)
    else:
        failed += 1
        print("FAIL %s: %s" % (name, detail))


def defined(path, dynamic):
    args = ["nm", "--defined-only", "-g"] + (["-D"] if dynamic else []) + [path]
    out = subprocess.run(args, capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] not in ("A", "U", "w", "v"):
            names.add(f[2])
    return names


lib, archive, incdir = sys.argv[1:4]
programs = sys.argv[4:]

exported = defined(lib, True)
odd = sorted(n for n in exported if not n.startswith("spfc_"))
check("exports-only-spfc", exported and not odd,
      "exported besides spfc_*: " + " ".join(odd[:10]) if exported else "nothing exported")

helpers = ("spfc_resolver_self", "spfc_resolver_ops_of")
declared = []
for h in sorted(os.listdir(incdir)):
    with open(os.path.join(incdir, h), encoding="utf-8") as f:
        text = f.read()
    declared += ["%s in %s" % (n, h) for n in helpers if n + "(" in text]
leaked = [n for n in helpers if n in exported]
check("no-internal-helpers", not declared and not leaked,
      "declared: %s; exported: %s" % (", ".join(declared) or "-", ", ".join(leaked) or "-"))

internal = defined(archive, False)
for prog in programs:
    name = os.path.basename(prog)
    dyn = subprocess.run(["readelf", "-d", prog], capture_output=True, text=True).stdout
    check(name + "-links-libspfc", "[libspfc.so.0]" in dyn,
          "no NEEDED libspfc.so.0")
    inside = sorted(defined(prog, False) & internal)
    check(name + "-no-internals", internal and not inside,
          "%d library symbols linked in, e.g. %s" % (len(inside), " ".join(inside[:5]))
          if internal else "no symbols read from the internal archive")

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
