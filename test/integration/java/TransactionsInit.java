// Kafka's own Java producer with a transactional.id against a broker without transactions:
// initTransactions() must fail at once with a clear error, not retry until max.block.ms and
// then throw a TimeoutException.
//
//   TransactionsInit BOOTSTRAP TRANSACTIONAL_ID MAX_BLOCK_MS
//
// Prints one JSON object: {"failed","exception","message","elapsedMs","maxBlockMs"}.

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class TransactionsInit {
    public static void main(String[] args) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, args[1]);
        // How long initTransactions() retries a retriable error before its TimeoutException.
        long maxBlockMs = Long.parseLong(args[2]);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(maxBlockMs));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        Map<String, Object> out = new LinkedHashMap<>();
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            try {
                producer.initTransactions();
                out.put("failed", false);
            } catch (Exception e) {
                out.put("failed", true);
                out.put("exception", e.getClass().getName());
                out.put("message", messages(e));
            }
            out.put("elapsedMs", (System.nanoTime() - start) / 1_000_000);
            out.put("maxBlockMs", maxBlockMs);
        }
        System.out.println(Json.of(out));
    }

    /** The message of the exception and of its causes, which is what a user reads. */
    static String messages(Throwable e) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (out.length() > 0) out.append(" | caused by ");
            out.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
        }
        return out.toString();
    }
}
