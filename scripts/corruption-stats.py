#!/usr/bin/env python3
"""Fidelity statistics of corruptions, in the format of test/fixtures/corruption-stats.json.

For each corruption named, each severity 1..5 and each seed 0..S-1, the corruption is run on every
face of a folder; per image (all values / 255, all pixels and channels):
  rms   = sqrt(mean((corrupted - clean)^2))
  shift = mean(corrupted - clean)
  sharp = G(corrupted) / G(clean),  G(a) = mean((a[y+1,x] - a[y,x])^2) + mean((a[y,x+1] - a[y,x])^2)
Each statistic is stored as [mean, std]: the mean over images and seeds, and the (population) standard
deviation of the per-seed means, both rounded to 5 decimals. The corrupted image is what the
reference library's corrupt() returns: the corruption's output cast to 8 bits (np.uint8, which
truncates; the fixture's shift of about -0.5/255 for contrast, whose exact output has mean shift 0,
shows that it was made so).

A corruption is either one of the reference library's (bethgelab/imagecorruptions, imported from
--reflib; it is called, never copied), or NAME=FILE.py: a Python file defining a function NAME(x,
severity) that takes a PIL RGB image and a severity 1..5 and returns an array (H, W, 3) in [0, 255] —
the way to give the statistics of a corruption the reference library lacks. The global numpy
generator (which the reference library draws from) is seeded with the seed before each (severity,
seed) pass over the images, so each corruption's statistics can be made on their own.

The statistics are merged into --stats (created when missing): the named corruptions' entries are
replaced, the others kept; the file's image list must be the folder's. --check compares instead of
writing and exits 1 when an entry differs: a deterministic corruption's (spread 0) must agree to the
last decimal; a random one's means within 3 seed spreads (the order in which the fixture drew its
random numbers is not recorded, so its random draws are not reproduced one for one).

  python3 scripts/corruption-stats.py --faces test/fixtures/faces --reflib PATH \\
      --stats test/fixtures/corruption-stats.json contrast my_fog=my_fog.py

Needs numpy, scipy, scikit-image, OpenCV and Pillow (Debian: python3-numpy python3-scipy
python3-skimage python3-opencv python3-pil; the reference library's glass_blur also imports numba,
replaced by a plain-Python stand-in when it is not installed). Never run by the tests.
"""
import argparse
import importlib.util
import json
import os
import sys
import types

import numpy as np
from PIL import Image

SEVERITIES = (1, 2, 3, 4, 5)
DECIMALS = 5


def load_reference(reflib):
    """The reference library's corruptions by name (imported from its checkout)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        # Only its glass_blur uses numba, to compile a loop; the loop gives the same values uncompiled.
        stub = types.ModuleType('numba')
        stub.njit = lambda *a, **k: (a[0] if a and callable(a[0]) else (lambda f: f))
        sys.modules['numba'] = stub
    sys.path.insert(0, os.path.abspath(reflib))
    import imagecorruptions
    return imagecorruptions.corruption_dict


def load_function(name, path):
    spec = importlib.util.spec_from_file_location(f'corruption_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, name, None)):
        sys.exit(f'{path}: defines no function {name}(x, severity)')
    return getattr(module, name)


def gradient_energy(a):
    return np.mean((a[1:, :] - a[:-1, :]) ** 2) + np.mean((a[:, 1:] - a[:, :-1]) ** 2)


def image_stats(clean, corrupted):
    d = corrupted - clean
    return np.sqrt(np.mean(d ** 2)), np.mean(d), gradient_energy(corrupted) / gradient_energy(clean)


def corruption_stats(function, faces, seeds):
    """[{rms, shift, sharp} per severity], each [mean over images and seeds, std of the per-seed means]."""
    out = []
    for severity in SEVERITIES:
        per_seed = []  # per seed: the mean of each statistic over the images
        for seed in range(seeds):
            np.random.seed(seed)
            rows = []
            for clean8 in faces:
                corrupted = np.uint8(function(Image.fromarray(clean8), severity)).astype(np.float64)
                if corrupted.shape != clean8.shape:
                    sys.exit(f'severity {severity}: the corruption returned shape {corrupted.shape}, expected {clean8.shape}')
                rows.append(image_stats(clean8.astype(np.float64) / 255, corrupted / 255))
            per_seed.append(np.mean(rows, axis=0))
        per_seed = np.array(per_seed)
        mean, spread = per_seed.mean(axis=0), per_seed.std(axis=0)
        out.append({k: [round(float(mean[i]), DECIMALS), round(float(spread[i]), DECIMALS)] for i, k in enumerate(('rms', 'shift', 'sharp'))})
    return out


def read_faces(folder, names):
    return [np.array(Image.open(os.path.join(folder, n)).convert('RGB')) for n in names]


def differences(name, got, want):
    unit = 1.5 * 10 ** -DECIMALS
    out = []
    for s, (g, w) in enumerate(zip(got, want), start=1):
        for key in ('rms', 'shift', 'sharp'):
            (mean, spread), (want_mean, want_spread) = g[key], w[key]
            # deterministic: to the last decimal (relative for the large sharpness ratios); random: within 3 spreads
            tolerance = max(unit, unit * abs(want_mean)) + 3 * max(spread, want_spread)
            if abs(mean - want_mean) > tolerance:
                out.append(f'{name} severity {s} {key}: mean {mean} (spread {spread}) here, {want_mean} (spread {want_spread}) in the file')
            elif (spread == 0) != (want_spread == 0):
                out.append(f'{name} severity {s} {key}: spread {spread} here, {want_spread} in the file (one is deterministic, the other not)')
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('corruptions', nargs='+', help='NAME (the reference library\'s) or NAME=FILE.py')
    p.add_argument('--faces', required=True, help='folder of the face images (the PNGs in name order, or the --stats file\'s list)')
    p.add_argument('--stats', required=True, help='stats JSON to merge into (or to --check against)')
    p.add_argument('--reflib', help='checkout of bethgelab/imagecorruptions (for NAMEs without =FILE.py)')
    p.add_argument('--seeds', type=int, default=3)
    p.add_argument('--check', action='store_true', help='compare with the entries in --stats, write nothing')
    args = p.parse_args()

    doc = json.load(open(args.stats)) if os.path.exists(args.stats) else None
    images = doc['images'] if doc else sorted(n for n in os.listdir(args.faces) if n.lower().endswith('.png'))
    if doc and doc.get('seeds', args.seeds) != args.seeds:
        sys.exit(f'{args.stats} was made with {doc["seeds"]} seeds, not {args.seeds}')
    faces = read_faces(args.faces, images)
    reference = None
    results = {}
    for item in args.corruptions:
        name, _, path = item.partition('=')
        if path:
            function = load_function(name, path)
        else:
            if not args.reflib:
                sys.exit(f'{name}: give --reflib (the reference library) or {name}=FILE.py')
            reference = reference or load_reference(args.reflib)
            if name not in reference:
                sys.exit(f'{name}: not a corruption of the reference library ({", ".join(sorted(reference))}); give {name}=FILE.py')
            function = reference[name]
        print(f'{name}: {len(faces)} images x {len(SEVERITIES)} severities x {args.seeds} seeds', file=sys.stderr)
        results[name] = corruption_stats(function, faces, args.seeds)

    if args.check:
        if not doc:
            sys.exit(f'{args.stats}: no such file to check against')
        problems = [d for name, got in results.items()
                    for d in (differences(name, got, doc['stats'][name]) if name in doc['stats'] else [f'{name}: not in {args.stats}'])]
        for line in problems:
            print(line)
        print(f'{len(results)} corruptions checked against {args.stats}: {"all agree" if not problems else f"{len(problems)} differ"}')
        sys.exit(1 if problems else 0)

    doc = doc or {'images': images, 'seeds': args.seeds, 'stats': {}}
    doc['stats'].update(results)
    tmp = f'{args.stats}.tmp'
    with open(tmp, 'w') as f:
        json.dump(doc, f, indent=1)  # the fixture's layout: a re-made entry that agrees leaves the file's bytes as they were
    os.replace(tmp, args.stats)
    print(f'{args.stats}: {", ".join(results)} written ({len(doc["stats"])} corruptions in all)')


if __name__ == '__main__':
    main()
