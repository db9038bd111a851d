"""rgb_luma_ssim.py RGB.png YUV.y4m 601|709: SSIM (Wang et al., as
scikit-image computes it) of the RGB image's luma, mapped to limited
range (16 + 219/255 (Kr R + Kg G + Kb B), unrounded), against the Y
plane of the first frame of an 8-bit Y4M."""
import sys

import numpy as np
import skimage.io
from skimage.metrics import structural_similarity

rgb = skimage.io.imread(sys.argv[1]).astype(float)
h, w = rgb.shape[:2]
kr, kb = (0.299, 0.114) if sys.argv[3] == "601" else (0.2126, 0.0722)
luma = 16 + 219 / 255 * (kr * rgb[..., 0] + (1 - kr - kb) * rgb[..., 1]
                         + kb * rgb[..., 2])
raw = open(sys.argv[2], "rb").read()
start = raw.index(b"FRAME") + raw[raw.index(b"FRAME"):].index(b"\n") + 1
y = np.frombuffer(raw[start:start + w * h], np.uint8).reshape(h, w)
print("%.8f" % structural_similarity(luma, y.astype(float), data_range=255,
                                     gaussian_weights=True, sigma=1.5,
                                     use_sample_covariance=False))
