/**
 * A small responsive line chart (recharts), loaded lazily by the usage and metrics pages. One unit per chart
 * (a chart never mixes ms and %), straight segments (a smoothed curve invents values between points, below
 * zero too), and a null value is a gap, not a zero.
 */
import {
  CartesianGrid,
  Legend,
  Line,
  ResponsiveContainer,
  LineChart as RLineChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

const colors = ['#4f46e5', '#059669', '#d97706', '#dc2626', '#0891b2'];

export type Series = { key: string; label: string };

export default function LineChart({
  data,
  x,
  series,
  label,
  unit,
  domain,
}: {
  data: Record<string, number | string | null>[];
  x: string;
  series: Series[];
  label: string;
  /** Shown on the axis ticks and in the tooltip, e.g. " ms" or "%". */
  unit?: string;
  domain?: [number, number];
}) {
  return (
    <figure aria-label={label} className="h-56 w-full">
      <ResponsiveContainer width="100%" height="100%">
        <RLineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="rgb(127 127 127 / 0.25)" />
          <XAxis dataKey={x} tick={{ fontSize: 11 }} />
          <YAxis
            tick={{ fontSize: 11 }}
            unit={unit}
            domain={domain ?? [0, 'auto']}
            allowDecimals={false}
            width={unit ? 56 : 40}
          />
          <Tooltip formatter={(v) => (unit ? `${v}${unit}` : v)} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {series.map((s, i) => (
            <Line
              key={s.key}
              type="linear"
              dataKey={s.key}
              name={s.label}
              stroke={colors[i % colors.length]}
              dot={{ r: 2 }}
              isAnimationActive={false}
              connectNulls={false}
              strokeWidth={2}
            />
          ))}
        </RLineChart>
      </ResponsiveContainer>
    </figure>
  );
}
