package io.seedstream.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PixelBudgetTest {

    /** A budget of 160: uploads over 10 pixels are large and may fill 140 of it; small ones all 160. */
    @Test
    void largeUploadsLeaveAnEighthForSmallOnesAndClosingGivesBack() {
        PixelBudget budget = new PixelBudget(160);
        PixelBudget.Ticket hundred = budget.admit(100, 0);
        assertThatThrownBy(() -> budget.admit(50, 0))
                .as("100 + 50 is over the 140 large uploads may fill")
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.retryAfterSeconds()).isEqualTo(1);
                    assertThat(e.getMessage()).contains("100 of its 160 pixels").contains("this image has 50");
                });
        assertThat(budget.overloaded(1)).as("readiness says so right after").isTrue();
        assertThat(budget.overloaded(PixelBudget.OVERLOAD_SHOWN_NANOS + 1))
                .as("and stops saying so")
                .isFalse();
        PixelBudget.Ticket forty = budget.admit(40, 0); // exactly 140
        for (int i = 0; i < 2; i++) {
            budget.admit(10, 0); // small: up to the whole 160
        }
        assertThat(budget.inFlight()).isEqualTo(160);
        assertThatThrownBy(() -> budget.admit(1, 0)).isInstanceOf(ApiException.class);
        forty.close();
        forty.close(); // twice gives back once
        assertThat(budget.inFlight()).isEqualTo(120);
        hundred.close();
        assertThat(budget.inFlight()).isEqualTo(20);
        assertThat(PixelBudget.largestUpload(160)).isEqualTo(140);
    }
}
