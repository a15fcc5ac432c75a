package io.seedstream.segmentation.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SettingCatalogTest {

    @Test
    void everySettingOfTheRecordsIsDeclaredOnceWithDocumentation() {
        List<SettingCatalog.Entry> all = SettingCatalog.all();
        assertThat(all)
                .extracting(SettingCatalog.Entry::key)
                .doesNotHaveDuplicates()
                .contains("ficklenet.passes", "device");
        long leaves = countLeaves(SeedStreamConfig.class);
        assertThat(all).hasSize((int) leaves);
        for (SettingCatalog.Entry entry : all) {
            assertThat(entry.doc()).as(entry.key()).isNotBlank().endsWith(".");
        }
    }

    @Test
    void eachSettingDescribesItsTypeDefaultAndAllowedValues() {
        SettingCatalog.Entry dropRate = SettingCatalog.find("ficklenet.dropRate");
        assertThat(dropRate.type()).isEqualTo("double");
        assertThat(dropRate.defaultValue()).isEqualTo("0.9");
        assertThat(dropRate.allowed()).isEqualTo("in [0, 1)");
        SettingCatalog.Entry scales = SettingCatalog.find("cam.scales");
        assertThat(scales.type()).isEqualTo("list of double");
        assertThat(scales.allowed()).isEqualTo("at least 1 element, each element > 0");
        assertThat(SettingCatalog.find("ficklenet.form").allowed()).isEqualTo("one of factorized, expanded");
        assertThat(SettingCatalog.find("cam.flip").allowed()).isEmpty();
    }

    @Test
    void valuesAreWrittenAsOnTheCommandLine() {
        SeedStreamConfig changed =
                SeedStreamConfig.defaults().with("cam.scales", "1,2").with("gain.learningRate", 3e-4);
        assertThat(SettingCatalog.find("cam.scales").valueIn(changed)).isEqualTo("1.0,2.0");
        assertThat(SettingCatalog.find("gain.learningRate").valueIn(changed)).isEqualTo("3.0E-4");
        assertThat(SettingCatalog.find("gain.learningRate").valueIn(SeedStreamConfig.defaults()))
                .as("an unchanged value as declared")
                .isEqualTo("1e-4");
    }

    @Test
    void rangesIncludeOrExcludeTheirBounds() {
        AllowedRange unit = AllowedRange.parse("[0, 1)");
        assertThat(unit.contains(0)).isTrue();
        assertThat(unit.contains(0.999)).isTrue();
        assertThat(unit.contains(1)).isFalse();
        assertThat(unit.contains(-1e-9)).isFalse();
        AllowedRange positive = AllowedRange.parse("(0, )");
        assertThat(positive.contains(0)).isFalse();
        assertThat(positive.contains(1e300)).isTrue();
        assertThat(positive.describe()).isEqualTo("> 0");
        assertThat(AllowedRange.parse("[2, )").describe()).isEqualTo(">= 2");
        assertThat(AllowedRange.parse("(0, 1]").describe()).isEqualTo("in (0, 1]");
        assertThatThrownBy(() -> AllowedRange.parse("0..1")).hasMessageContaining("not an interval");
    }

    private static long countLeaves(Class<?> record) {
        long n = 0;
        for (var component : record.getRecordComponents()) {
            n += component.getType().isRecord() ? countLeaves(component.getType()) : 1;
        }
        return n;
    }
}
