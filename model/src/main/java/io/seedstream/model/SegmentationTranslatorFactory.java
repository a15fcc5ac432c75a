package io.seedstream.model;

import ai.djl.Model;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.output.CategoryMask;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorFactory;
import ai.djl.util.Pair;
import io.seedstream.segmentation.data.WorkingSize;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.util.Map;
import java.util.Set;

/**
 * Makes the {@link SegmentationTranslator} of an exported segmenter: the input size from the model
 * directory's {@code serving.properties} ({@code shortSide}, the working resolution; a directory
 * exported before it has a fixed {@code width} and {@code height} instead), the class names from its
 * {@code synset.txt}. Give it to {@code Criteria} ({@code optTranslatorFactory}): DJL 0.35.1's model
 * loader picks the translator before it reads {@code serving.properties}, which names this class
 * for DJL Serving.
 */
public final class SegmentationTranslatorFactory implements TranslatorFactory {

    @Override
    public Set<Pair<Type, Type>> getSupportedTypes() {
        return Set.of(new Pair<>(Image.class, CategoryMask.class));
    }

    @Override
    @SuppressWarnings("unchecked") // isSupported checked the types: I is Image, O is CategoryMask
    public <I, O> Translator<I, O> newInstance(Class<I> input, Class<O> output, Model model, Map<String, ?> arguments)
            throws TranslateException {
        if (!isSupported(input, output)) {
            throw new IllegalArgumentException("an exported SeedStream segmenter takes " + Image.class.getName()
                    + " and gives " + CategoryMask.class.getName() + ", not " + input.getName() + " to "
                    + output.getName());
        }
        try {
            SegmentationTranslator.InputSize inputSize;
            if (arguments.containsKey("shortSide")) {
                int shortSide = size(arguments, "shortSide");
                inputSize = (width, height) -> WorkingSize.of(width, height, shortSide);
            } else {
                WorkingSize fixed = new WorkingSize(size(arguments, "width"), size(arguments, "height"));
                inputSize = (width, height) -> fixed;
            }
            return (Translator<I, O>) new SegmentationTranslator(
                    Files.readAllLines(model.getModelPath().resolve(ExportedModel.CLASSES_FILE)), inputSize);
        } catch (IOException e) {
            throw new TranslateException("the exported model's class list is unreadable: " + e.getMessage(), e);
        }
    }

    private static int size(Map<String, ?> arguments, String key) throws TranslateException {
        Object value = arguments.get(key);
        int size;
        try {
            size = Integer.parseInt(String.valueOf(value));
        } catch (NumberFormatException e) {
            size = 0;
        }
        if (size < 1) {
            throw new TranslateException("serving.properties needs " + key
                    + " (the segmenter's input size) as a positive whole number, not " + value);
        }
        return size;
    }
}
