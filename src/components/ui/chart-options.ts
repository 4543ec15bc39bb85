/**
 * What the dashboard's charts of counts per day have in common. Imported only by the
 * lazily loaded chart components, so chart.js stays out of the first load.
 */

// The axis has little room: "Mar 3". Tooltips name the point in full.
const axisDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });

/** A calendar day (`YYYY-MM-DD`) as the chart's axis labels it. */
export function axisDayLabel(day: string): string {
  return axisDay.format(new Date(`${day}T00:00:00Z`));
}

/**
 * The chart fills its box and draws at once; counts start at zero in whole numbers with
 * a little room above the peak; the day axis shows at most `maxDayLabels` labels, level.
 */
export function countsPerDayOptions(maxDayLabels: number) {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    scales: {
      y: { min: 0, beginAtZero: true, grace: '5%', ticks: { precision: 0 } },
      x: { ticks: { maxTicksLimit: maxDayLabels, autoSkip: true, maxRotation: 0 } },
    },
  } as const;
}
