package io.seedstream.flink.localization;

import io.seedstream.segmentation.memory.ClassMemory;

/** A class's memory after an update, broadcast to every seeding subtask. */
public record MemoryUpdate(int classId, ClassMemory.State state) {}
