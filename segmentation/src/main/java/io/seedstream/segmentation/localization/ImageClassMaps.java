package io.seedstream.segmentation.localization;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.nn.Classifier;
import io.seedstream.segmentation.nn.Ops;
import java.util.function.UnaryOperator;

/**
 * The class maps pseudo-labels start from, for one image at its own size: {@link MultiScaleMaps}
 * of the classifier's CAMs, of ReCAM's maps, or of FickleNet's stochastic maps (per view, the
 * maximum over N stochastic Grad-CAM maps, FickleNet's "any pass claims it"). The localization
 * job, the model server and the segmentation benchmark all compute maps here.
 */
public final class ImageClassMaps {

    private final MultiScaleMaps views;
    private final boolean reCam;
    private final StochasticLocalizer stochastic;

    /**
     * @param reCam read ReCAM's maps instead of the classifier's
     * @param stochastic FickleNet's passes, or null for the deterministic maps
     */
    public ImageClassMaps(MultiScaleMaps views, boolean reCam, StochasticLocalizer stochastic) {
        this.views = views;
        this.reCam = reCam;
        this.stochastic = stochastic;
    }

    /** The configured maps ({@code cam.*}), with FickleNet's N = {@code passes} stochastic passes when N > 0. */
    public static ImageClassMaps configured(SeedStreamConfig config, int passes) {
        return new ImageClassMaps(
                new MultiScaleMaps(config.cam().scales(), config.cam().flip()),
                config.cam().reCam(),
                passes == 0
                        ? null
                        : new StochasticLocalizer(
                                config.with("ficklenet.passes", passes).ficklenet()));
    }

    /**
     * @param image one image (1, 3, H, W)
     * @param classIndex the classifier outputs to map (the image's classes)
     * @return (1, m, H, W) maps in [0, 1], each divided by its maximum
     */
    public NDArray maps(Classifier classifier, NDArray image, int[] classIndex) {
        Shape shape = image.getShape();
        return views.maps(image, classMaps(classifier, classIndex), (int) shape.get(2), (int) shape.get(3));
    }

    private UnaryOperator<NDArray> classMaps(Classifier model, int[] index) {
        if (stochastic != null) {
            return batch -> {
                NDArray features = model.features(batch, false);
                Shape shape = features.getShape();
                NDList perView = new NDList();
                for (int v = 0; v < shape.get(0); v++) {
                    float[] max = stochastic
                            .localize(model, features.get(v).expandDims(0), index, index, (int) shape.get(2), (int)
                                    shape.get(3))
                            .max();
                    perView.add(
                            features.getManager().create(max, new Shape(1, index.length, shape.get(2), shape.get(3))));
                }
                return NDArrays.concat(perView);
            };
        }
        return batch -> {
            NDArray features = model.features(batch, false);
            return Ops.channels(reCam ? model.reCamMaps(features) : model.classMaps(features), index);
        };
    }
}
