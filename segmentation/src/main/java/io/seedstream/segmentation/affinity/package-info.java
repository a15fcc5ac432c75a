/**
 * IRN/PSA-style affinity: pair offsets, affinity labels from confident seeds, the affinity head's
 * pairwise affinities, and the random walk that spreads class maps along them ({@link
 * io.seedstream.segmentation.affinity.AffinityWalk}). Depends on {@code config}, {@code nn} and
 * {@code seeds}.
 */
package io.seedstream.segmentation.affinity;
