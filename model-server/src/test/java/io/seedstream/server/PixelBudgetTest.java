package io.seedstream.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PixelBudgetTest {

    @Test
    void admitsUpToTheBudgetRefusesBeyondAndTakesBackWhatIsClosed() {
        PixelBudget budget = new PixelBudget(100);
        PixelBudget.Ticket sixty = budget.admit(60, 0);
        PixelBudget.Ticket forty = budget.admit(40, 0);
        assertThat(budget.inFlight()).isEqualTo(100);
        assertThat(budget.overloaded(0)).isFalse();
        assertThatThrownBy(() -> budget.admit(1, 0)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.retryAfterSeconds()).isEqualTo(1);
            assertThat(e.getMessage()).contains("100 of its 100 pixels").contains("this image has 1");
        });
        assertThat(budget.overloaded(1)).as("readiness says so right after").isTrue();
        assertThat(budget.overloaded(PixelBudget.OVERLOAD_SHOWN_NANOS + 1))
                .as("and stops saying so")
                .isFalse();
        sixty.close();
        sixty.close(); // twice gives back once
        assertThat(budget.inFlight()).isEqualTo(40);
        budget.admit(60, 0).close();
        forty.close();
        assertThat(budget.inFlight()).isZero();
    }
}
