"""Documented example runs that more than one command's EXAMPLES use, written once.

Each string is one shell command run from an empty folder beside ``../shared``; a command whose
examples need a trained model starts with the run that trains it, the same run as in the
training command's own examples (the documentation tests run each distinct example once).
"""

MAIN_JOB = 'echo "hello" | signkit t2p | signkit render > hello.mp4'

# 150 steps after a warm-up of 20 (about 10 s on 2 cores) gloss its training sentences right; with
# the default warm-up of 100, 60 steps wrote noise
TRAIN_T2G = ("head -n 65 ../shared/data/phoenix14t/annotations/train.csv > weather.csv && "
             "signkit train-t2g weather.csv -o t2g-phoenix --d-model 64 --feed-forward 128 --layers 2 --max-steps 150 "
             "--warmup-steps 20 --batch-size 16 --learning-rate 3e-3")  # fmt: skip

TRAIN_G2P = "signkit train-g2p ../shared/data/dgs-sentences/train -o g2p-dgs --max-steps 20 --batch-size 4"

TRAIN_T2P = ("signkit train-t2p ../shared/data/phoenix14t/sample/train.skels --dev ../shared/data/phoenix14t/sample/dev.skels "
             "-o t2p-phoenix --d-model 64 --feed-forward 128 --max-steps 40 --batch-size 5 --validation-steps 20")  # fmt: skip

TRAIN_BT = ("signkit train-bt ../shared/data/phoenix14t/sample/train.skels --dev ../shared/data/phoenix14t/sample/dev.skels "
            "-o bt-phoenix --d-model 64 --heads 4 --layers 2 --feed-forward 128 --max-steps 20 --validation-steps 10")  # fmt: skip

TRAIN_DIFF = ("signkit train-diff ../shared/data/videos/autsl_signer0_sample1000.mp4 --keypoints "
              "../shared/data/videos/autsl_signer0_sample1000.holistic.pose --base tiny -o renderer --resolution 64 "
              "--hold-out 0.25 --max-steps 4 --batch-size 2 --inference-steps 2")  # fmt: skip
