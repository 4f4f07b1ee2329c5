// Kafka's own Java consumer with the KIP-848 protocol (group.protocol=consumer) when its topics
// change under it:
//
//   TopicChanges deleted-topic BOOTSTRAP PREFIX   subscribed to two topics, one is deleted: the
//                                                 consumer ends with the other topic's partitions
//                                                 and keeps consuming it
//   TopicChanges resubscribe BOOTSTRAP PREFIX     subscribe([a]), then ([b]), then ([a, b]), then
//                                                 a broker-side regex (SubscriptionPattern): the
//                                                 assignment follows each subscription
//
// Prints one JSON object: {"steps":[{"step","assignment","consumed"}],"error"}; "error" names
// the first step whose assignment or records did not come within STEP_TIMEOUT_MS.

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.SubscriptionPattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class TopicChanges {
    static final long STEP_TIMEOUT_MS = 30_000;
    static final int PARTITIONS = 3;
    static final int RECORDS_PER_STEP = 30;

    final Admin admin;
    final KafkaProducer<byte[], byte[]> producer;
    final KafkaConsumer<byte[], byte[]> consumer;
    final List<Object> steps = new ArrayList<>();

    TopicChanges(String bootstrap, String group) {
        Properties a = new Properties();
        a.put("bootstrap.servers", bootstrap);
        admin = Admin.create(a);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(p);
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // A deleted topic must stay deleted: the consumer's Metadata requests must not create it again.
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumer = new KafkaConsumer<>(c);
    }

    public static void main(String[] args) throws Exception {
        String scenario = args[0];
        String bootstrap = args[1];
        String prefix = args[2];
        TopicChanges t = new TopicChanges(bootstrap, prefix + "-group");
        String error;
        try {
            error = switch (scenario) {
                case "deleted-topic" -> t.deletedTopic(prefix);
                case "resubscribe" -> t.resubscribe(prefix);
                default -> throw new IllegalArgumentException("unknown scenario " + scenario);
            };
        } catch (Exception e) {
            error = "exception: " + e;
        } finally {
            t.consumer.close(CloseOptions.timeout(Duration.ofSeconds(10)));
            t.producer.close();
            t.admin.close();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("steps", t.steps);
        out.put("error", error);
        System.out.println(Json.of(out));
    }

    String deletedTopic(String prefix) throws Exception {
        String a = prefix + "-a";
        String b = prefix + "-b";
        createTopics(a, b);
        consumer.subscribe(List.of(a, b));
        String error = step("subscribed to a and b", expected(a, b), List.of(a, b));
        if (error != null) return error;
        admin.deleteTopics(List.of(b)).all().get();
        return step("b deleted", expected(a), List.of(a));
    }

    String resubscribe(String prefix) throws Exception {
        String a = prefix + "-a";
        String b = prefix + "-b";
        createTopics(a, b);
        consumer.subscribe(List.of(a));
        String error = step("subscribe(a)", expected(a), List.of(a));
        if (error == null) {
            consumer.subscribe(List.of(b));
            error = step("subscribe(b)", expected(b), List.of(b));
        }
        if (error == null) {
            consumer.subscribe(List.of(a, b));
            error = step("subscribe(a, b)", expected(a, b), List.of(a, b));
        }
        if (error == null) {
            // A broker-side regular expression (KIP-848's SubscribedTopicRegex); the Java consumer
            // wants an unsubscribe() between topic names and a pattern.
            consumer.unsubscribe();
            consumer.subscribe(new SubscriptionPattern(prefix.replace(".", "\\.") + "-[b]"));
            error = step("subscribe(pattern b)", expected(b), List.of(b));
        }
        return error;
    }

    void createTopics(String... names) throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        for (String n : names) topics.add(new NewTopic(n, PARTITIONS, (short) 1));
        admin.createTopics(topics).all().get();
    }

    static Set<String> expected(String... topics) {
        Set<String> out = new TreeSet<>();
        for (String t : topics) for (int p = 0; p < PARTITIONS; p++) out.add(t + "-" + p);
        return out;
    }

    /**
     * Polls until the assignment is `want`, then produces RECORDS_PER_STEP records to each of
     * `produceTo` and polls until all of them arrived. Null when both happened in time.
     */
    String step(String name, Set<String> want, List<String> produceTo) throws Exception {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("step", name);
        long startMs = System.currentTimeMillis();
        steps.add(s);
        long deadline = System.currentTimeMillis() + STEP_TIMEOUT_MS;
        Set<String> have = assignment();
        while (!have.equals(want)) {
            if (System.currentTimeMillis() > deadline) {
                s.put("assignment", have);
                return name + ": assignment " + have + ", expected " + want;
            }
            consumer.poll(Duration.ofMillis(100));
            have = assignment();
        }
        s.put("assignment", have);
        String marker = name + "-" + System.nanoTime();
        for (String t : produceTo) {
            for (int i = 0; i < RECORDS_PER_STEP; i++) {
                producer.send(new ProducerRecord<>(t, i % PARTITIONS, null, (marker + "-" + i).getBytes()));
            }
        }
        producer.flush();
        int wanted = RECORDS_PER_STEP * produceTo.size();
        int consumed = 0;
        while (consumed < wanted && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                if (new String(r.value()).startsWith(marker + "-")) consumed++;
            }
        }
        s.put("consumed", consumed);
        s.put("elapsedMs", System.currentTimeMillis() - startMs);
        if (consumed < wanted) return name + ": consumed " + consumed + " of " + wanted + " new records";
        consumer.commitSync(Duration.ofSeconds(10));
        return null;
    }

    Set<String> assignment() {
        Set<String> out = new TreeSet<>();
        for (TopicPartition tp : consumer.assignment()) out.add(tp.toString());
        return out;
    }
}
