// Kafka's own Java consumer with the KIP-848 protocol (group.protocol=consumer) committing
// through rebalances: per round, three consumers of a new group join one after the other and
// one leaves again, while a producer keeps records coming and every consumer calls commitSync()
// after each poll that returned records. Every membership change bumps the other members'
// epochs, so commits race with epoch bumps; Kafka accepts a commit with the member's previous
// epoch for partitions it still owns (KIP-1251), and so must we.
//
//   RebalanceCommits BOOTSTRAP TOPIC PARTITIONS GROUP_PREFIX ROUNDS
//
// Prints one JSON object: {"rounds":[{"group","commitsOk","failures":[..],"error"}],
// "commitsOk","failures"}; "error" names a step that did not converge in time.

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class RebalanceCommits {
    /** Each step (a join or a leave) must converge within this. */
    static final long STEP_TIMEOUT_MS = 30_000;
    /** After converging, each member commits this many more times before the next step. */
    static final int COMMITS_PER_STEP = 3;
    static final long PRODUCE_INTERVAL_MS = 2;

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        int partitions = Integer.parseInt(args[2]);
        String groupPrefix = args[3];
        int rounds = Integer.parseInt(args[4]);

        Properties adminProps = new Properties();
        adminProps.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(adminProps)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
        AtomicBoolean producing = new AtomicBoolean(true);
        Thread producer = new Thread(() -> produce(bootstrap, topic, partitions, producing), "producer");
        producer.start();

        List<Object> results = new ArrayList<>();
        int commitsOk = 0;
        int failures = 0;
        for (int r = 0; r < rounds; r++) {
            Map<String, Object> round = round(bootstrap, topic, partitions, groupPrefix + "-" + r);
            results.add(round);
            commitsOk += (Integer) round.get("commitsOk");
            failures += ((List<?>) round.get("failures")).size();
        }
        producing.set(false);
        producer.join();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rounds", results);
        out.put("commitsOk", commitsOk);
        out.put("failures", failures);
        System.out.println(Json.of(out));
    }

    static void produce(String bootstrap, String topic, int partitions, AtomicBoolean producing) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (long i = 0; producing.get(); i++) {
                producer.send(new ProducerRecord<>(topic, (int) (i % partitions), null, ("v" + i).getBytes()));
                Thread.sleep(PRODUCE_INTERVAL_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Map<String, Object> round(String bootstrap, String topic, int partitions, String group) throws InterruptedException {
        List<Member> all = new ArrayList<>();
        String error = null;
        try {
            Member a = Member.start(bootstrap, group, topic, "a", all);
            error = await("a joins", List.of(a), partitions);
            Member b = error == null ? Member.start(bootstrap, group, topic, "b", all) : null;
            if (error == null) error = await("b joins", List.of(a, b), partitions);
            Member c = error == null ? Member.start(bootstrap, group, topic, "c", all) : null;
            if (error == null) error = await("c joins", List.of(a, b, c), partitions);
            if (error == null) {
                b.stop();
                error = await("b leaves", List.of(a, c), partitions);
            }
        } finally {
            for (Member m : all) m.stop();
        }
        int ok = 0;
        List<String> failures = new ArrayList<>();
        for (Member m : all) {
            ok += m.commitsOk.get();
            synchronized (m.failures) {
                failures.addAll(m.failures);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("group", group);
        out.put("commitsOk", ok);
        out.put("failures", failures);
        out.put("error", error);
        return out;
    }

    /** Waits until `members` own every partition exactly once and each committed again; else an error text. */
    static String await(String step, List<Member> members, int partitions) throws InterruptedException {
        if (!waitFor(() -> exactCover(members, partitions))) return step + ": no exact cover " + assignments(members);
        Map<Member, Integer> base = new LinkedHashMap<>();
        for (Member m : members) base.put(m, m.commitsOk.get());
        boolean committed = waitFor(() -> members.stream().allMatch(m -> m.commitsOk.get() >= base.get(m) + COMMITS_PER_STEP));
        return committed ? null : step + ": members stopped committing " + assignments(members);
    }

    static boolean waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + STEP_TIMEOUT_MS;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) return false;
            Thread.sleep(20);
        }
        return true;
    }

    static boolean exactCover(List<Member> members, int partitions) {
        Set<Integer> seen = new HashSet<>();
        for (Member m : members) {
            if (m.assignment.isEmpty()) return false;
            for (TopicPartition tp : m.assignment) if (!seen.add(tp.partition())) return false;
        }
        return seen.size() == partitions;
    }

    static String assignments(List<Member> members) {
        StringBuilder out = new StringBuilder();
        for (Member m : members) out.append(m.name).append('=').append(m.assignment).append(' ');
        return out.toString().trim();
    }

    /** One consumer on its own thread: poll, then commitSync what the poll returned. */
    static final class Member implements Runnable {
        final String name;
        final KafkaConsumer<byte[], byte[]> consumer;
        final String topic;
        final Thread thread;
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger commitsOk = new AtomicInteger();
        final List<String> failures = new ArrayList<>();
        volatile Set<TopicPartition> assignment = Set.of();

        private Member(String bootstrap, String group, String topic, String name) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
            p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, group + "-" + name);
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            this.name = name;
            this.topic = topic;
            this.consumer = new KafkaConsumer<>(p);
            this.thread = new Thread(this, group + "-" + name);
        }

        static Member start(String bootstrap, String group, String topic, String name, List<Member> all) {
            Member m = new Member(bootstrap, group, topic, name);
            all.add(m);
            m.thread.start();
            return m;
        }

        @Override
        public void run() {
            try {
                consumer.subscribe(List.of(topic));
                while (running.get()) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(50));
                    assignment = Set.copyOf(consumer.assignment());
                    if (!records.isEmpty()) commit(records);
                }
            } catch (Exception e) {
                synchronized (failures) {
                    failures.add(name + " poll: " + e);
                }
            } finally {
                consumer.close(CloseOptions.timeout(Duration.ofSeconds(10)));
            }
        }

        private void commit(ConsumerRecords<byte[], byte[]> records) {
            Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
            for (TopicPartition tp : records.partitions()) {
                List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
                offsets.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
            }
            try {
                consumer.commitSync(offsets, Duration.ofSeconds(10));
                commitsOk.incrementAndGet();
            } catch (Exception e) {
                synchronized (failures) {
                    failures.add(name + " commitSync " + offsets.keySet() + ": " + e);
                }
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }
}
