"""Result and annotation file formats (MOTChallenge txt, SOT txt, COCO-style results JSON)."""
