// Kafka's own Admin.electLeaders (what kafka-leader-election.sh calls):
//
//   ElectLeaders BOOTSTRAP PREFERRED|UNCLEAN TOPIC PARTITION[,PARTITION...]
//
// Prints one JSON object: {"results":{"<partition>": "NONE" or the error's class name},
// "messages":{"<partition>": message or null},"error"}; "error" is set when the call itself
// failed.

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;

public final class ElectLeaders {
    static final long CALL_TIMEOUT_S = 60;

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        ElectionType type = ElectionType.valueOf(args[1]);
        String topic = args[2];
        Set<TopicPartition> partitions = new TreeSet<>((a, b) -> Integer.compare(a.partition(), b.partition()));
        for (String p : args[3].split(",")) partitions.add(new TopicPartition(topic, Integer.parseInt(p)));
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        Map<String, Object> results = new LinkedHashMap<>();
        Map<String, Object> messages = new LinkedHashMap<>();
        String error = null;
        try (Admin admin = Admin.create(props)) {
            Map<TopicPartition, Optional<Throwable>> r = admin.electLeaders(type, partitions).partitions().get(CALL_TIMEOUT_S, TimeUnit.SECONDS);
            for (TopicPartition tp : partitions) {
                Optional<Throwable> e = r.get(tp);
                if (e == null) {
                    results.put(String.valueOf(tp.partition()), "MISSING");
                } else {
                    results.put(String.valueOf(tp.partition()), e.map(t -> t.getClass().getSimpleName()).orElse("NONE"));
                    messages.put(String.valueOf(tp.partition()), e.map(Throwable::getMessage).orElse(null));
                }
            }
        } catch (Exception e) {
            error = "exception: " + e;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("results", results);
        out.put("messages", messages);
        out.put("error", error);
        System.out.println(Json.of(out));
    }
}
