"""Record linkage: finding the same person across rounds, sites and regions.

``matching.engine`` is plain Python (numpy, no Django): normalisation, blocking, comparisons,
the Fellegi–Sunter model with EM, clustering. The Django side (models, review queue, the
nightly command, "known elsewhere?") feeds it identities decrypted in the job's memory only.
"""
