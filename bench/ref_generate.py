#!/usr/bin/python3
# Copied from the project's shared tools (tools/reference-speed/ref_generate.py) so that `npm run bench` can run the
# reference beside fer-c on a fresh clone; REFLIB is an unpacked github:bethgelab/imagecorruptions.
"""The Python reference doing what `fer-c corrupt` does: every image in IN (resized to 224x224),
all 17 FER-C corruptions x 5 severities, saved as PNG under OUT/<corruption>/<severity>/<name>.png.
usage: ref_generate.py REFLIB_DIR IN OUT [processes]"""
import sys, os, glob, time
import numpy as np
from PIL import Image
from multiprocessing import Pool
sys.path.insert(0, sys.argv[1])
from imagecorruptions import corrupt
FERC = ['gaussian_noise', 'shot_noise', 'impulse_noise', 'speckle_noise', 'motion_blur', 'defocus_blur',
        'glass_blur', 'zoom_blur', 'gaussian_blur', 'snow', 'brightness', 'contrast', 'elastic_transform',
        'pixelate', 'jpeg_compression', 'spatter', 'saturate']
IN, OUT = sys.argv[2], sys.argv[3]
def one(f):
    im = np.array(Image.open(f).convert('RGB').resize((224, 224)))
    name = os.path.splitext(os.path.basename(f))[0] + '.png'
    for c in FERC:
        for s in range(1, 6):
            x = np.uint8(np.clip(corrupt(im, corruption_name=c, severity=s), 0, 255))
            d = f'{OUT}/{c}/{s}'; os.makedirs(d, exist_ok=True)
            Image.fromarray(x).save(f'{d}/{name}')
    return 85
if __name__ == '__main__':
    files = sorted(glob.glob(IN + '/*.png') + glob.glob(IN + '/*.jpg'))
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    t = time.time()
    if n == 1: tot = sum(map(one, files))
    else:
        with Pool(n) as p: tot = sum(p.map(one, files))
    dt = time.time() - t
    print(f'{tot} variants in {dt:.2f}s: {tot/dt:.1f} variants/s with {n} process(es)')
