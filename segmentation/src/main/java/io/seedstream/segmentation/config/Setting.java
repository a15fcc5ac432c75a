package io.seedstream.segmentation.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * One setting of {@link SeedStreamConfig}, declared once on the record component that holds it, in
 * the way Flink ML declares a {@code Param} (name, documentation, default, validator) beside its
 * getter. The key is the group's name and the component's, e.g. {@code ficklenet.passes}.
 * Relations between settings (a list as long as another, a minimum below a maximum) are checked in
 * {@link SeedStreamConfig#validate()}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Setting {
    /** The default, written as on the command line: lists comma-separated. */
    String value();

    /** What the setting does, and where its default comes from. */
    String doc();

    /**
     * The allowed values of a number, or of every element of a list, in interval notation:
     * {@code "[0, 1)"}, {@code "(0, )"} (no upper bound). Empty: any.
     */
    String range() default "";

    /** The allowed values of a text setting. Empty: any. */
    String[] oneOf() default {};

    /** A regular expression a text setting must match. Empty: any. */
    String pattern() default "";

    /** The fewest elements a list may have. */
    int minSize() default 0;

    /** What a group of settings is for, on the record that holds them. */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @interface Group {
        String value();
    }
}
