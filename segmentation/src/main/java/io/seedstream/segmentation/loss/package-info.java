/**
 * The training losses: multi-label BCE, ReCAM's, GAIN's attention mining, DSRG's balanced seed loss
 * and boundary loss. Depends on {@code config}, {@code nn} and {@code seeds}.
 */
package io.seedstream.segmentation.loss;
