package io.seedstream.records;

import io.seedstream.segmentation.config.SeedStreamConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every command that reads the configuration shares. */
public final class ConfigOptions {
    @Option(names = "--config", description = "JSON configuration file (partial; the rest keeps the defaults)")
    Path file;

    @Option(
            names = "--set",
            description = "override one setting, e.g. --set ficklenet.windowSize=5",
            paramLabel = "KEY=VALUE")
    Map<String, String> overrides = new LinkedHashMap<>();

    public SeedStreamConfig load() throws Exception {
        SeedStreamConfig config = file == null ? SeedStreamConfig.defaults() : SeedStreamConfig.load(file);
        return config.with(overrides);
    }
}
