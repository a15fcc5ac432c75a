package io.seedstream.deploy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** docker/Dockerfile read into its global build arguments and stages (continuation lines joined, comments dropped). */
record Dockerfile(Map<String, String> globalArgs, List<Stage> stages) {

    record Instruction(String keyword, String arguments) {}

    record Stage(String name, String from, List<Instruction> instructions) {
        List<String> all(String keyword) {
            return instructions.stream()
                    .filter(i -> i.keyword().equals(keyword))
                    .map(Instruction::arguments)
                    .toList();
        }
    }

    private static final Pattern FROM = Pattern.compile("(?i)(?:--platform=\\S+\\s+)?(\\S+)(?:\\s+AS\\s+(\\S+))?");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?(\\w+)}?");

    static Dockerfile parse(String text) {
        Map<String, String> globalArgs = new LinkedHashMap<>();
        List<Stage> stages = new ArrayList<>();
        List<Instruction> current = null;
        for (String line : logicalLines(text)) {
            String[] parts = line.split("\\s+", 2);
            String keyword = parts[0].toUpperCase();
            String arguments = parts.length > 1 ? parts[1].strip() : "";
            if (keyword.equals("FROM")) {
                Matcher m = FROM.matcher(arguments);
                if (!m.matches()) {
                    throw new IllegalArgumentException("FROM " + arguments);
                }
                current = new ArrayList<>();
                stages.add(new Stage(m.group(2) != null ? m.group(2) : "stage-" + stages.size(), m.group(1), current));
            } else if (current == null) {
                if (!keyword.equals("ARG")) {
                    throw new IllegalArgumentException("only ARG may come before the first FROM: " + line);
                }
                String[] nameValue = arguments.split("=", 2);
                globalArgs.put(nameValue[0], nameValue.length > 1 ? nameValue[1] : "");
            } else {
                current.add(new Instruction(keyword, arguments));
            }
        }
        return new Dockerfile(globalArgs, stages);
    }

    private static List<String> logicalLines(String text) {
        List<String> lines = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("#") || (line.isEmpty() && pending.isEmpty())) {
                continue; // comments, also between continuation lines, as Docker reads them
            }
            if (line.endsWith("\\")) {
                pending.append(line, 0, line.length() - 1).append(' ');
            } else {
                pending.append(line);
                if (!pending.toString().isBlank()) {
                    lines.add(pending.toString().strip());
                }
                pending.setLength(0);
            }
        }
        return lines;
    }

    Optional<Stage> stage(String name) {
        return stages.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** The stage and the stages it is built on, nearest first. */
    List<Stage> chain(String target) {
        List<Stage> chain = new ArrayList<>();
        Optional<Stage> stage = stage(target);
        while (stage.isPresent()) {
            chain.add(stage.get());
            stage = stage(stage.get().from());
        }
        return chain;
    }

    /** The external image a target is built on, its build arguments filled in with their defaults. */
    String baseImage(String target) {
        List<Stage> chain = chain(target);
        return expand(chain.get(chain.size() - 1).from());
    }

    String expand(String value) {
        Matcher m = VARIABLE.matcher(value);
        StringBuilder expanded = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(expanded, Matcher.quoteReplacement(globalArgs.getOrDefault(m.group(1), m.group())));
        }
        return m.appendTail(expanded).toString();
    }

    /** The environment a target's image sets (ENV K=V ..., later stages overriding earlier ones). */
    Map<String, String> environment(String target) {
        Map<String, String> environment = new LinkedHashMap<>();
        List<Stage> chain = new ArrayList<>(chain(target));
        Collections.reverse(chain);
        for (Stage stage : chain) {
            for (String env : stage.all("ENV")) {
                Matcher m = Pattern.compile("(\\w+)=(\"[^\"]*\"|\\S+)").matcher(env);
                while (m.find()) {
                    environment.put(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
                }
            }
        }
        return environment;
    }

    /** The user a target's image runs as: the last USER along its chain. */
    Optional<String> user(String target) {
        for (Stage stage : chain(target)) {
            List<String> users = stage.all("USER");
            if (!users.isEmpty()) {
                return Optional.of(users.get(users.size() - 1));
            }
        }
        return Optional.empty();
    }
}
