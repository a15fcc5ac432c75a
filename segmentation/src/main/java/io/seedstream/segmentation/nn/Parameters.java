package io.seedstream.segmentation.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The named arrays of one network: trainable weights and non-trainable buffers (batch-norm running
 * statistics), all owned by one manager that lives as long as the network. Names are stable, so a
 * snapshot can be read back into a network of the same architecture.
 */
public final class Parameters implements AutoCloseable {

    private final NDManager manager;
    private final Map<String, NDArray> arrays = new LinkedHashMap<>();
    private final Map<String, Boolean> trainable = new LinkedHashMap<>();
    private final Random random;

    public Parameters(NDManager manager, long seed) {
        this.manager = manager;
        this.random = new Random(seed);
    }

    public NDManager manager() {
        return manager;
    }

    /** A weight drawn from N(0, std^2) with this network's seeded generator (reproducible runs). */
    public NDArray normal(String name, Shape shape, double std) {
        float[] values = new float[(int) shape.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return add(name, manager.create(values, shape), true);
    }

    /** He initialisation for a conv weight (out, in, kh, kw) followed by ReLU. */
    public NDArray he(String name, Shape shape) {
        double fanIn = shape.get(1) * shape.get(2) * shape.get(3);
        return normal(name, shape, Math.sqrt(2.0 / fanIn));
    }

    public NDArray constant(String name, Shape shape, float value, boolean isTrainable) {
        return add(name, manager.full(shape, value), isTrainable);
    }

    private NDArray add(String name, NDArray array, boolean isTrainable) {
        if (arrays.containsKey(name)) {
            throw new IllegalStateException("duplicate parameter " + name);
        }
        array.setName(name);
        if (isTrainable) {
            array.setRequiresGradient(true);
        }
        arrays.put(name, array);
        trainable.put(name, isTrainable);
        return array;
    }

    /** All arrays in creation order. */
    public Map<String, NDArray> all() {
        return Collections.unmodifiableMap(arrays);
    }

    public boolean isTrainable(String name) {
        return trainable.get(name);
    }

    /** Overwrites every array's values in place (shapes must match). */
    public void load(Map<String, float[]> values) {
        if (!values.keySet().equals(arrays.keySet())) {
            throw new IllegalArgumentException(
                    "parameter names differ: expected " + arrays.keySet() + ", got " + values.keySet());
        }
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            float[] v = values.get(e.getKey());
            if (v.length != e.getValue().size()) {
                throw new IllegalArgumentException("parameter " + e.getKey() + " has " + v.length + " values, expected "
                        + e.getValue().getShape());
            }
            e.getValue().set(v);
        }
    }

    /** Overwrites the named arrays' values in place; each name must be one of these arrays, with as many values. */
    public void loadSome(Map<String, float[]> values) {
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            NDArray array = arrays.get(e.getKey());
            if (array == null || array.size() != e.getValue().length) {
                throw new IllegalArgumentException("parameter " + e.getKey() + " with " + e.getValue().length
                        + " values is not one of this network's (" + (array == null ? "no such name" : array.getShape())
                        + ")");
            }
        }
        values.forEach((name, v) -> arrays.get(name).set(v));
    }

    @Override
    public void close() {
        manager.close();
    }
}
