"""What the video object detectors (DFF, FGFA, SELSA, Temporal RoI Align) share: FlowNetSimple and the flow
warp, and the checkpoint helpers of their DC5 detector."""
