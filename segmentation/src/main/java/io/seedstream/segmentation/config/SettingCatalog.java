package io.seedstream.segmentation.config;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Every setting of {@link SeedStreamConfig}, read from its {@link Setting} declarations: the
 * defaults are built from them, every value is checked against them, and {@code ./seedstream
 * config} lists them.
 */
public final class SettingCatalog {
    private static final Map<String, Entry> ENTRIES = collect();

    private SettingCatalog() {}

    /** Every setting, in declaration order. */
    public static List<Entry> all() {
        return List.copyOf(ENTRIES.values());
    }

    /** The setting with this key, or null. */
    static Entry find(String key) {
        return ENTRIES.get(key);
    }

    static SeedStreamConfig defaults() {
        return (SeedStreamConfig) build(SeedStreamConfig.class, "");
    }

    /** Checks every value against its own declaration; relations between settings are the config's. */
    static void check(SeedStreamConfig config) {
        for (Entry entry : ENTRIES.values()) {
            entry.check(entry.read(config));
        }
    }

    private static Object build(Class<?> record, String prefix) {
        RecordComponent[] components = record.getRecordComponents();
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            types[i] = c.getType();
            values[i] = c.getType().isRecord()
                    ? build(c.getType(), prefix + c.getName() + ".")
                    : ENTRIES.get(prefix + c.getName()).parsedDefault;
        }
        try {
            return record.getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build the defaults of " + record.getSimpleName(), e);
        }
    }

    private static Map<String, Entry> collect() {
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (RecordComponent c : SeedStreamConfig.class.getRecordComponents()) {
            Class<?> type = c.getType();
            if (type.isRecord()) {
                Setting.Group group = type.getAnnotation(Setting.Group.class);
                if (group == null) {
                    throw new IllegalStateException(type.getSimpleName() + " has no @Setting.Group description");
                }
                for (RecordComponent leaf : type.getRecordComponents()) {
                    add(entries, c.getName() + "." + leaf.getName(), List.of(c, leaf), group.value());
                }
            } else {
                add(entries, c.getName(), List.of(c), "");
            }
        }
        return entries;
    }

    private static void add(Map<String, Entry> entries, String key, List<RecordComponent> path, String group) {
        Setting setting = path.get(path.size() - 1).getAnnotation(Setting.class);
        if (setting == null) {
            throw new IllegalStateException("configuration key " + key + " has no @Setting declaration");
        }
        entries.put(key, new Entry(key, path, setting, group));
    }

    /** One setting: its key, type, default, allowed values and documentation. */
    public static final class Entry {
        private final String key;
        private final List<RecordComponent> path;
        private final Setting setting;
        private final String group;
        private final AllowedRange range;
        private final Object parsedDefault;

        private Entry(String key, List<RecordComponent> path, Setting setting, String group) {
            this.key = key;
            this.path = path;
            this.setting = setting;
            this.group = group;
            this.range = setting.range().isEmpty() ? null : AllowedRange.parse(setting.range());
            this.parsedDefault = parse(setting.value());
        }

        public String key() {
            return key;
        }

        /** The description of the group the setting is in; empty at the top level. */
        public String group() {
            return group;
        }

        public String doc() {
            return setting.doc();
        }

        public String defaultValue() {
            return setting.value();
        }

        /** "int", "double", "boolean", "text", "list of int", ... */
        public String type() {
            Type type = component().getGenericType();
            if (type instanceof ParameterizedType list) {
                return "list of " + simpleType(list.getActualTypeArguments()[0]);
            }
            return simpleType(type);
        }

        /** The values the setting accepts, as a sentence's end: "in [0, 1)", "one of cpu, auto"; empty: any. */
        public String allowed() {
            List<String> parts = new ArrayList<>();
            if (setting.minSize() > 0) {
                parts.add("at least " + setting.minSize() + (setting.minSize() == 1 ? " element" : " elements"));
            }
            if (range != null) {
                parts.add((isList() ? "each element " : "") + range.describe());
            }
            if (setting.oneOf().length > 0) {
                parts.add("one of " + String.join(", ", setting.oneOf()));
            }
            if (!setting.pattern().isEmpty()) {
                parts.add("matching " + setting.pattern());
            }
            return String.join(", ", parts);
        }

        /** The value in this configuration, written as on the command line. */
        public String valueIn(SeedStreamConfig config) {
            Object value = read(config);
            if (value.equals(parsedDefault)) {
                return setting.value();
            }
            return value instanceof List<?> list
                    ? list.stream().map(String::valueOf).collect(Collectors.joining(","))
                    : String.valueOf(value);
        }

        /** The text of a command-line override as this setting's type, or a clear error. */
        Object parse(String text) {
            Type type = component().getGenericType();
            if (type instanceof ParameterizedType list) {
                Type element = list.getActualTypeArguments()[0];
                return text.isBlank()
                        ? List.of()
                        : Arrays.stream(text.split(","))
                                .map(part -> scalar(element, part.trim()))
                                .toList();
            }
            return scalar(type, text.trim());
        }

        private Object scalar(Type type, String text) {
            try {
                if (type == int.class || type == Integer.class) {
                    return Integer.parseInt(text);
                }
                if (type == long.class || type == Long.class) {
                    return Long.parseLong(text);
                }
                if (type == double.class || type == Double.class) {
                    return Double.parseDouble(text);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + ": not " + simpleType(type) + ": " + text, e);
            }
            if (type == boolean.class) {
                if (!text.equals("true") && !text.equals("false")) {
                    throw new IllegalArgumentException(key + ": not true or false: " + text);
                }
                return Boolean.parseBoolean(text);
            }
            return text;
        }

        Object read(SeedStreamConfig config) {
            Object value = config;
            try {
                for (RecordComponent c : path) {
                    value = c.getAccessor().invoke(value);
                }
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + key, e);
            }
            return value;
        }

        void check(Object value) {
            if (value == null) {
                throw new IllegalArgumentException("invalid configuration: " + key + " must be set (was null)");
            }
            if (value instanceof List<?> list) {
                require(list.size() >= setting.minSize(), "have " + allowed(), value);
                for (Object element : list) {
                    checkScalar(element, list);
                }
            } else {
                checkScalar(value, value);
            }
        }

        private void checkScalar(Object value, Object shown) {
            if (value instanceof Number number && range != null) {
                require(range.contains(number.doubleValue()), (isList() ? "have " : "be ") + allowed(), shown);
            }
            if (value instanceof String text) {
                require(
                        setting.oneOf().length == 0
                                || Arrays.asList(setting.oneOf()).contains(text),
                        "be one of " + String.join(", ", setting.oneOf()),
                        shown);
                require(
                        setting.pattern().isEmpty() || text.matches(setting.pattern()),
                        "match " + setting.pattern(),
                        shown);
            }
        }

        private void require(boolean condition, String what, Object shown) {
            if (!condition) {
                throw new IllegalArgumentException(
                        "invalid configuration: " + key + " must " + what + ", was " + shown);
            }
        }

        private boolean isList() {
            return List.class.isAssignableFrom(component().getType());
        }

        private RecordComponent component() {
            return path.get(path.size() - 1);
        }

        private static String simpleType(Type type) {
            if (type == int.class || type == Integer.class) {
                return "int";
            }
            if (type == long.class || type == Long.class) {
                return "long";
            }
            if (type == double.class || type == Double.class) {
                return "double";
            }
            return type == boolean.class ? "boolean" : "text";
        }
    }
}
