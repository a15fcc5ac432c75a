package io.seedstream.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessTokenTest {

    @Test
    void theFileComesFirstThenTheEnvironmentThenAMadeUpToken(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "  from-file \nsecond line ignored\n");
        Map<String, String> environment = Map.of(AccessToken.VARIABLE, "from-environment");
        AccessToken fromFile = AccessToken.resolve(file.toString(), environment);
        assertThat(fromFile.matches("from-file")).isTrue();
        assertThat(fromFile.matches("from-environment")).isFalse();
        assertThat(fromFile.generated()).isFalse();
        assertThat(AccessToken.resolve("", environment).matches("from-environment"))
                .isTrue();
        AccessToken madeUp = AccessToken.resolve("", Map.of());
        assertThat(madeUp.generated()).isTrue();
        assertThat(madeUp.value()).hasSize(32).matches("[A-Za-z0-9_-]+");
        assertThat(madeUp.matches(madeUp.value())).isTrue();
        assertThat(madeUp.matches(null)).isFalse();
        assertThat(madeUp.matches("")).isFalse();
    }

    @Test
    void anEmptyOrMissingFileIsAnErrorThatNamesTheSettingNotTheSecret(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertThatThrownBy(() -> AccessToken.resolve(empty.toString(), Map.of()))
                .hasMessage("server.tokenFile: " + empty + " is empty");
        assertThatThrownBy(() -> AccessToken.resolve(dir.resolve("missing").toString(), Map.of()))
                .hasMessageStartingWith("server.tokenFile: cannot read ");
    }
}
