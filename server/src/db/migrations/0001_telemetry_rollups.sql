CREATE TABLE "request_log_hourly" (
	"bucket" timestamp with time zone NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"requests" integer DEFAULT 0 NOT NULL,
	"cache_hits" integer DEFAULT 0 NOT NULL,
	"errors" integer DEFAULT 0 NOT NULL,
	"tokens_in" bigint DEFAULT 0 NOT NULL,
	"tokens_out" bigint DEFAULT 0 NOT NULL,
	"latency_sum_ms" bigint DEFAULT 0 NOT NULL,
	"latency_max_ms" integer DEFAULT 0 NOT NULL,
	"latency_hist" integer[] NOT NULL
);
--> statement-breakpoint
CREATE TABLE "usage_daily" (
	"day" date NOT NULL,
	"user_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"requests" integer DEFAULT 0 NOT NULL,
	"tokens_in" bigint DEFAULT 0 NOT NULL,
	"tokens_out" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "usage_daily" ADD CONSTRAINT "usage_daily_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "request_log_hourly_key" ON "request_log_hourly" USING btree ("bucket","provider","model");--> statement-breakpoint
CREATE UNIQUE INDEX "usage_daily_key" ON "usage_daily" USING btree ("user_id","day","provider","model");--> statement-breakpoint
-- Backfill: requests logged before the rollups existed (the same statements as rebuildRollups()).
insert into request_log_hourly
  (bucket, provider, model, requests, cache_hits, errors, tokens_in, tokens_out, latency_sum_ms, latency_max_ms, latency_hist)
select date_trunc('hour', created_at, 'UTC'), provider, model, count(*), count(*) filter (where cache_hit),
  count(*) filter (where status = 'error'), sum(tokens_in), sum(tokens_out), sum(latency_ms), max(latency_ms),
  ARRAY[(count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 0))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 1))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 2))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 3))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 4))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 5))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 6))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 7))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 8))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 9))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 10))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 11))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 12))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 13))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 14))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 15))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 16))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 17))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 18))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 19))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 20))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 21))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 22))::int, (count(*) filter (where width_bucket(latency_ms, ARRAY[10,25,50,100,150,200,300,400,500,750,1000,1500,2000,3000,4000,5000,7500,10000,15000,20000,30000,60000,120000]::int[]) = 23))::int]
from request_log group by 1, 2, 3;--> statement-breakpoint
insert into usage_daily (day, user_id, provider, model, requests, tokens_in, tokens_out)
select (created_at at time zone 'UTC')::date, user_id, provider, model, count(*), sum(tokens_in), sum(tokens_out)
from request_log where user_id is not null group by 1, 2, 3, 4;
