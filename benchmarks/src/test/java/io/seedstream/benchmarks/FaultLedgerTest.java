package io.seedstream.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FaultLedgerTest {

    private static final long S = 1_000_000_000L;

    /**
     * Phase "fault": from 10 s, injected at 20 s, to 40 s. Sent in it: b (12 s), c (25 s), d (30 s,
     * never acknowledged), e (35 s, never seeded). Seeds read: a at 15 s (sent at 5 s, before the
     * phase), b at 18 s, a again at 22 s (a duplicate charged to this phase), c at 27 s (the first
     * seed of an image sent after the injection: recovery 27 - 20 = 7 s), b again at 45 s (after
     * the phase: charged to no phase here).
     */
    @Test
    void chargesAPhaseWithItsLostDuplicatedAndRecovery() {
        FaultLedger ledger = new FaultLedger();
        send(ledger, "a", 5, true);
        send(ledger, "b", 12, true);
        send(ledger, "c", 25, true);
        send(ledger, "d", 30, false);
        send(ledger, "e", 35, true);
        ledger.seeded("a", 15 * S);
        ledger.seeded("b", 18 * S);
        ledger.seeded("a", 22 * S);
        ledger.seeded("c", 27 * S);
        ledger.seeded("b", 45 * S);

        FaultLedger.Charge charge = ledger.charge(new FaultLedger.Phase("fault", 10 * S, 20 * S, 40 * S));

        assertThat(charge.sent()).isEqualTo(4);
        assertThat(charge.unacknowledged()).isEqualTo(1);
        assertThat(charge.lost()).as("e: acknowledged, never seeded").isEqualTo(1);
        assertThat(charge.duplicated()).as("a's second seed at 22 s").isEqualTo(1);
        assertThat(charge.recoverySeconds()).isEqualTo(7.0);
        assertThat(ledger.unseeded(Long.MAX_VALUE)).as("e").isEqualTo(1);
        assertThat(ledger.unseeded(35 * S)).as("e was sent at 35 s").isZero();
        assertThat(ledger.latencies(0, 20 * S)).containsExactlyInAnyOrder(10.0, 6.0);
    }

    @Test
    void aPhaseWithoutASeedAfterItsInjectionHasNoRecovery() {
        FaultLedger ledger = new FaultLedger();
        send(ledger, "a", 5, true);
        ledger.seeded("a", 25 * S);

        FaultLedger.Charge charge = ledger.charge(new FaultLedger.Phase("fault", 0, 20 * S, 40 * S));

        assertThat(charge.recoverySeconds())
                .as("a was sent before the injection")
                .isNull();
        assertThat(charge.lost()).isZero();
    }

    private static void send(FaultLedger ledger, String id, long seconds, boolean acknowledged) {
        ledger.sent(id, seconds * S);
        if (acknowledged) {
            ledger.acknowledged(id);
        }
    }
}
