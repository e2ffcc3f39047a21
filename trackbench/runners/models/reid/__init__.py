"""DeepSORT's appearance (ReID) model as MMTracking configures it."""
