-- Records of the batch that cannot be loaded (scratch connection); the excerpt is already scrubbed.
SELECT line_no, byte_offset, reason, detail, excerpt
FROM _hs_ev
WHERE reason IS NOT NULL
