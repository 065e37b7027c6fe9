/** A small responsive line chart (recharts), loaded lazily by the usage and metrics pages. */
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
}: {
  data: Record<string, number | string>[];
  x: string;
  series: Series[];
  label: string;
}) {
  return (
    <figure aria-label={label} className="h-56 w-full">
      <ResponsiveContainer width="100%" height="100%">
        <RLineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="rgb(127 127 127 / 0.25)" />
          <XAxis dataKey={x} tick={{ fontSize: 11 }} />
          <YAxis tick={{ fontSize: 11 }} />
          <Tooltip />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {series.map((s, i) => (
            <Line
              key={s.key}
              type="monotone"
              dataKey={s.key}
              name={s.label}
              stroke={colors[i % colors.length]}
              dot={{ r: 2 }}
              isAnimationActive={false}
              strokeWidth={2}
            />
          ))}
        </RLineChart>
      </ResponsiveContainer>
    </figure>
  );
}
