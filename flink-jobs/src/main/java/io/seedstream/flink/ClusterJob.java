package io.seedstream.flink;

import io.seedstream.flink.active.ActiveLearningJob;
import io.seedstream.flink.common.KafkaSettings;
import io.seedstream.flink.localization.LocalizationJob;
import io.seedstream.flink.training.TrainerJob;
import io.seedstream.flink.training.WarmStart;
import io.seedstream.records.ConfigOptions;
import io.seedstream.records.TopicPrefixOption;
import io.seedstream.records.kafka.KafkaConfigOption;
import io.seedstream.segmentation.config.SeedStreamConfig;
import io.seedstream.segmentation.data.ClassList;
import io.seedstream.segmentation.data.MaskedDatasetReader;
import io.seedstream.segmentation.data.SyntheticDataset;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * One SeedStream job as a Flink application: the entry class of the job jar on a cluster (a
 * FlinkDeployment in application mode, or {@code flink run}). The job, its Kafka, topics and class
 * list come from the arguments; checkpointing, the state backend and parallelism from the cluster's
 * configuration, as an operator-managed deployment expects.
 */
@Command(
        name = "seedstream-job",
        mixinStandardHelpOptions = true,
        description = "Run one SeedStream job on the Flink cluster this is submitted to.")
public final class ClusterJob implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "JOB", description = "localization, trainer or active-learning")
    String job;

    @CommandLine.Mixin
    ConfigOptions configOptions = new ConfigOptions();

    @Option(names = "--kafka", required = true, description = "bootstrap servers of the pipeline's Kafka cluster")
    String bootstrapServers;

    @CommandLine.Mixin
    KafkaConfigOption kafkaConfig = new KafkaConfigOption();

    @CommandLine.Mixin
    TopicPrefixOption topicPrefix = new TopicPrefixOption();

    @Option(
            names = "--classes",
            defaultValue = "synthetic",
            description = "the class list: synthetic, voc or camvid, or the "
                    + "names separated by commas, background first if the data set has one (default ${DEFAULT-VALUE})")
    String classes;

    /** Flink 2's entry point for standalone application clusters (operator mode: standalone) passes its own host. */
    @Option(names = "--host", hidden = true, description = "the job manager's host, from Flink's entry point; not used")
    String jobManagerHost;

    @Override
    public Integer call() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.execute(build(env));
        return 0;
    }

    /** Adds the job to {@code env} and returns its name. */
    String build(StreamExecutionEnvironment env) throws Exception {
        SeedStreamConfig config = configOptions.load();
        FlinkCluster.Job chosen = job(job);
        ClassList classList = classes(classes, config);
        KafkaSettings settings =
                new KafkaSettings(kafkaConfig.connect(bootstrapServers), topicPrefix.topics(config), false);
        switch (chosen) {
            case LOCALIZATION -> LocalizationJob.build(env, config, classList, settings);
            case TRAINER -> {
                WarmStart.check(config, classList); // a snapshot that does not fit is refused before submission
                TrainerJob.build(env, config, classList, settings);
            }
            case ACTIVE_LEARNING -> ActiveLearningJob.build(env, config, classList, settings);
        }
        return chosen.title;
    }

    /** The job a name on the command line means (localization, trainer, active-learning). */
    public static FlinkCluster.Job job(String name) {
        try {
            return FlinkCluster.Job.valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(
                    new CommandLine(new ClusterJob()),
                    "unknown job '" + name + "'; the jobs are localization, trainer and active-learning");
        }
    }

    /** A known data set's classes, or a list of names ("background" first means the data set has one). */
    static ClassList classes(String spec, SeedStreamConfig config) {
        return switch (spec.toLowerCase(Locale.ROOT)) {
            case "synthetic" -> new SyntheticDataset(config.synthetic()).classes();
            case "voc" -> MaskedDatasetReader.VOC_CLASSES;
            case "camvid" -> MaskedDatasetReader.CAMVID_CLASSES;
            default -> {
                List<String> names = Arrays.stream(spec.split(","))
                        .map(String::strip)
                        .filter(n -> !n.isEmpty())
                        .toList();
                if (names.size() < 2) {
                    throw new IllegalArgumentException("--classes '" + spec
                            + "': name synthetic, voc or camvid, or at least two " + "classes separated by commas");
                }
                yield new ClassList(names, names.get(0).equalsIgnoreCase("background"));
            }
        };
    }

    /** Fails (rather than exits) on bad arguments: in application mode the job manager runs this. */
    public static void main(String[] args) {
        int code = new CommandLine(new ClusterJob()).execute(args);
        if (code != 0) {
            throw new IllegalArgumentException(
                    "seedstream-job " + String.join(" ", args) + " failed (exit code " + code + ")");
        }
    }
}
