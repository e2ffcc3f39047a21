"""Streaming CocoVID writer: one shard per video (so a run can resume), then a merge that assigns every id in
sorted video-name order and writes the final JSON through a temp file and a rename.

Ids therefore depend only on video names and each video's content, never on directory order, worker count or
filesystem; peak memory is one video plus the small list of video entries. The parts: ``render`` (one video
as text with local ids), ``shards`` (the per-video files), ``rowtext`` (vectorized line formatting) and
``merge`` (ids and the final files); this module is their one entry point.
"""

from trackbench.cocovid.merge import (
    PARALLEL_MERGE_MIN_RECORDS,
    MergeCounts,
    annotation_lines,
    default_side_output_path,
    merge_shards,
    write_video_chunks,
)
from trackbench.cocovid.render import (
    SIDE_OUTPUTS_KEY,
    AnnotationColumns,
    ColumnBodies,
    EncodedVideo,
    RawJSON,
    dumps,
    encode_video,
    side_output,
)
from trackbench.cocovid.shards import SHARD_FORMAT, SHARD_SUFFIX, ShardStore, shard_name, video_to_shard

__all__ = [
    "PARALLEL_MERGE_MIN_RECORDS", "MergeCounts", "annotation_lines", "default_side_output_path", "merge_shards",
    "write_video_chunks", "SIDE_OUTPUTS_KEY", "AnnotationColumns", "ColumnBodies", "EncodedVideo", "RawJSON",
    "dumps", "encode_video", "side_output", "SHARD_FORMAT", "SHARD_SUFFIX", "ShardStore", "shard_name",
    "video_to_shard",
]
